// libFuzzer target for the DNS digest's decoder: any bytes either are refused or decode to a digest
// within the parser's limits that encodes back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "detect/dns_digest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using minewatch::detect::DnsDigest;
  const std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data), size);
  DnsDigest d;
  if (!DnsDigest::decode(in, d)) return 0;
  if (d.address_count > d.addresses.size() || d.name_size > d.name.size()) __builtin_trap();
  if (d.encoded_size() > size || d.encoded_size() > DnsDigest::kMaxEncodedBytes) __builtin_trap();
  std::vector<std::byte> back(d.encoded_size());
  d.encode(back.data());
  // Spare header bytes are not kept; everything else round-trips.
  if (std::memcmp(back.data(), data, 1) != 0 || std::memcmp(back.data() + 1, data + 1, 4) != 0 ||
      std::memcmp(back.data() + 8, data + 8, back.size() - 8) != 0)
    __builtin_trap();
  return 0;
}
