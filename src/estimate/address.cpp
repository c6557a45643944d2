#include "estimate/address.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace minewatch::estimate {

std::vector<std::uint8_t> hex_bytes(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out;
  if (hex.empty() || hex.size() % 2 != 0) return out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> decode_base58check(std::string_view s) {
  static constexpr std::string_view kAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::vector<std::uint8_t> num;  // big-endian base-256
  for (char c : s) {
    auto pos = kAlphabet.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    unsigned carry = static_cast<unsigned>(pos);
    for (auto it = num.rbegin(); it != num.rend(); ++it) {
      carry += 58u * *it;
      *it = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry) {
      num.insert(num.begin(), static_cast<std::uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  std::size_t zeros = 0;
  while (zeros < s.size() && s[zeros] == '1') ++zeros;
  num.insert(num.begin(), zeros, 0);
  if (num.size() < 5) return std::nullopt;
  std::array<unsigned char, SHA256_DIGEST_LENGTH> h1{}, h2{};
  SHA256(num.data(), num.size() - 4, h1.data());
  SHA256(h1.data(), h1.size(), h2.data());
  if (std::memcmp(h2.data(), num.data() + num.size() - 4, 4) != 0) return std::nullopt;
  num.resize(num.size() - 4);
  return num;
}

}  // namespace minewatch::estimate
