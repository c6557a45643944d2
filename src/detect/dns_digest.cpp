#include "detect/dns_digest.hpp"

#include <cstring>

namespace minewatch::detect {
namespace {

// Header: flags, the anomaly (2 bytes), name size, address count, 3 spare, min TTL (4 bytes).
constexpr std::uint8_t kParsed = 1, kHasQuestion = 2, kIsResponse = 4, kPool = 8;

}  // namespace

void DnsDigest::encode(std::byte* out) const {
  std::array<std::byte, kHeaderBytes> h{};
  h[0] = static_cast<std::byte>((parsed ? kParsed : 0) | (has_question ? kHasQuestion : 0) |
                                (is_response ? kIsResponse : 0) | (pool ? kPool : 0));
  std::memcpy(&h[1], &anomaly, sizeof anomaly);
  h[3] = static_cast<std::byte>(name_size);
  h[4] = static_cast<std::byte>(address_count);
  std::memcpy(&h[8], &min_ttl, sizeof min_ttl);
  std::memcpy(out, h.data(), kHeaderBytes);
  out += kHeaderBytes;
  for (std::size_t i = 0; i < address_count; ++i, out += kAddressBytes) {
    std::memcpy(out, addresses[i].bytes.data(), 16);
    out[16] = static_cast<std::byte>(addresses[i].is_v6 ? 1 : 0);
  }
  std::memcpy(out, name.data(), name_size);
}

bool DnsDigest::decode(std::span<const std::byte> in, DnsDigest& out) {
  static_assert(sizeof(Anomaly) == 2);
  if (in.size() < kHeaderBytes) return false;
  const auto flags = static_cast<std::uint8_t>(in[0]);
  if ((flags & ~(kParsed | kHasQuestion | kIsResponse | kPool)) != 0) return false;
  out.parsed = (flags & kParsed) != 0;
  out.has_question = (flags & kHasQuestion) != 0;
  out.is_response = (flags & kIsResponse) != 0;
  out.pool = (flags & kPool) != 0;
  std::memcpy(&out.anomaly, &in[1], sizeof out.anomaly);
  out.name_size = static_cast<std::uint8_t>(in[3]);
  out.address_count = static_cast<std::uint8_t>(in[4]);
  std::memcpy(&out.min_ttl, &in[8], sizeof out.min_ttl);
  if (out.name_size > out.name.size() || out.address_count > out.addresses.size() || in.size() < out.encoded_size())
    return false;
  const std::byte* p = in.data() + kHeaderBytes;
  for (std::size_t i = 0; i < out.address_count; ++i, p += kAddressBytes) {
    if (static_cast<std::uint8_t>(p[16]) > 1) return false;
    std::memcpy(out.addresses[i].bytes.data(), p, 16);
    out.addresses[i].is_v6 = p[16] == std::byte{1};
  }
  std::memcpy(out.name.data(), p, out.name_size);
  return true;
}

}  // namespace minewatch::detect
