#include "events/community_id.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstring>

namespace minewatch::events {

std::string community_id_v1(const IpAddress& src, std::uint16_t sport, const IpAddress& dst, std::uint16_t dport,
                            std::uint8_t proto, std::uint16_t seed) {
  // Order endpoints so both directions hash alike: the lower (address, port) goes first.
  bool keep = (src < dst) || (src == dst && sport <= dport);
  const IpAddress& a = keep ? src : dst;
  const IpAddress& b = keep ? dst : src;
  std::uint16_t pa = keep ? sport : dport;
  std::uint16_t pb = keep ? dport : sport;

  std::array<std::uint8_t, 2 + 16 + 16 + 2 + 4> buf{};
  std::size_t n = 0;
  buf[n++] = static_cast<std::uint8_t>(seed >> 8);
  buf[n++] = static_cast<std::uint8_t>(seed);
  auto sa = a.span();
  std::memcpy(buf.data() + n, sa.data(), sa.size());
  n += sa.size();
  auto sb = b.span();
  std::memcpy(buf.data() + n, sb.data(), sb.size());
  n += sb.size();
  buf[n++] = proto;
  buf[n++] = 0;
  buf[n++] = static_cast<std::uint8_t>(pa >> 8);
  buf[n++] = static_cast<std::uint8_t>(pa);
  buf[n++] = static_cast<std::uint8_t>(pb >> 8);
  buf[n++] = static_cast<std::uint8_t>(pb);

  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(buf.data(), n, digest.data());
  std::array<unsigned char, 4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1> b64{};
  int len = EVP_EncodeBlock(b64.data(), digest.data(), SHA_DIGEST_LENGTH);
  std::string out = "1:";
  out.append(reinterpret_cast<const char*>(b64.data()), static_cast<std::size_t>(len));
  return out;
}

}  // namespace minewatch::events
