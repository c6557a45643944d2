#pragma once
// Wallet address shapes: base58check (version bytes + a valid double-SHA-256 checksum), fixed prefixes.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace minewatch::estimate {

// "1cb8" -> {0x1c, 0xb8}; empty on bad input.
std::vector<std::uint8_t> hex_bytes(std::string_view hex);
// Decodes base58check; the payload (version + hash) when the checksum is valid, nullopt otherwise.
std::optional<std::vector<std::uint8_t>> decode_base58check(std::string_view s);

}  // namespace minewatch::estimate
