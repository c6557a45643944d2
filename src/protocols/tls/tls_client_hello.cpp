#include "protocols/tls/tls_client_hello.hpp"

// MD5_* / SHA256_*: see Md5 below.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <algorithm>
#include <charconv>

#include "core/byte_reader.hpp"

namespace minewatch::protocols::tls {
namespace {

constexpr std::uint8_t kContentHandshake = 22;
constexpr std::uint8_t kHandshakeClientHello = 1;
constexpr std::size_t kRecordHeaderBytes = 5;
constexpr std::size_t kHandshakeHeaderBytes = 4;
constexpr std::size_t kMaxRecordBytes = 16 * 1024;  // TLSPlaintext.length limit (RFC 8446 5.1)
constexpr std::size_t kMaxSessionIdBytes = 32;
// Bounds of what a hello that fits in kMaxStreamBytes can hold; they size the JA4 sort buffers.
constexpr std::size_t kMaxWireCiphers = kMaxStreamBytes / 2;
constexpr std::size_t kMaxWireExtensions = kMaxStreamBytes / 4;

constexpr char kHexDigits[] = "0123456789abcdef";

// OpenSSL's one-context-per-digest API: EVP_DigestInit allocates a provider context on every hello,
// these keep the state on our stack. Deprecated in 3.0 but present; revisit if a build drops them.
struct Md5 {
  static constexpr std::size_t kSize = MD5_DIGEST_LENGTH;
  MD5_CTX ctx;
  bool init() { return MD5_Init(&ctx) == 1; }
  bool update(const void* p, std::size_t n) { return MD5_Update(&ctx, p, n) == 1; }
  bool final(unsigned char* out) { return MD5_Final(out, &ctx) == 1; }
};

struct Sha256 {
  static constexpr std::size_t kSize = SHA256_DIGEST_LENGTH;
  SHA256_CTX ctx;
  bool init() { return SHA256_Init(&ctx) == 1; }
  bool update(const void* p, std::size_t n) { return SHA256_Update(&ctx, p, n) == 1; }
  bool final(unsigned char* out) { return SHA256_Final(out, &ctx) == 1; }
};

// Text fed to a digest in chunks, optionally also kept (up to a capacity) in a caller's buffer.
template <typename Digest>
class DigestText {
 public:
  explicit DigestText(std::span<char> keep = {}) : keep_(keep) { ok_ = digest_.init(); }
  void put(char c) {
    if (size_ == chunk_.size()) flush();
    chunk_[size_++] = c;
  }
  void put_decimal(std::uint32_t v) {
    std::array<char, 10> tmp;
    auto [end, ec] = std::to_chars(tmp.data(), tmp.data() + tmp.size(), v);
    (void)ec;
    for (const char* p = tmp.data(); p != end; ++p) put(*p);
  }
  void put_hex4(std::uint16_t v) {
    for (int shift = 12; shift >= 0; shift -= 4) put(kHexDigits[(v >> shift) & 0xF]);
  }
  // Writes the lowercase hex digest, cut to out.size() characters; zeros if OpenSSL failed.
  void finish_hex(std::span<char> out) {
    flush();
    std::array<unsigned char, Digest::kSize> md{};
    const bool ok = ok_ && digest_.final(md.data());
    for (std::size_t i = 0; i < out.size(); ++i) {
      const std::size_t byte = i / 2;
      out[i] = ok && byte < md.size() ? kHexDigits[(i % 2 == 0 ? md[byte] >> 4 : md[byte]) & 0xF] : '0';
    }
  }
  [[nodiscard]] std::size_t kept() const { return kept_; }
  [[nodiscard]] bool cut() const { return cut_; }

 private:
  void flush() {
    if (ok_ && size_ != 0) ok_ = digest_.update(chunk_.data(), size_);
    const std::size_t n = std::min(size_, keep_.size() - kept_);
    std::copy_n(chunk_.data(), n, keep_.data() + kept_);
    kept_ += n;
    cut_ = cut_ || n < size_;
    size_ = 0;
  }

  Digest digest_;
  bool ok_ = false;
  std::array<char, 512> chunk_;
  std::size_t size_ = 0;
  std::span<char> keep_;
  std::size_t kept_ = 0;
  bool cut_ = false;
};

constexpr std::uint16_t be16_at(std::span<const std::uint8_t> b, std::size_t i) {
  return static_cast<std::uint16_t>((b[i] << 8) | b[i + 1]);
}

constexpr char lower(std::uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
}

constexpr bool is_alnum(std::uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// Raw views of the lists the fingerprints need in full (the ClientHello keeps only the first entries).
struct RawLists {
  std::span<const std::uint8_t> ciphers;     // 2 bytes each
  std::span<const std::uint8_t> extensions;  // the extensions block, walked again for types
  std::span<const std::uint8_t> groups;
  std::span<const std::uint8_t> point_formats;
  std::span<const std::uint8_t> signature_algorithms;
  std::span<const std::uint8_t> supported_versions;
  std::span<const std::uint8_t> first_alpn;  // first ALPN protocol id
};

// Extension types in wire order; the block was validated by the parser.
template <typename F>
void for_each_extension_type(std::span<const std::uint8_t> block, F&& f) {
  for (std::size_t i = 0; i + 4 <= block.size();) {
    f(be16_at(block, i));
    i += 4 + be16_at(block, i + 2);
  }
}

void put_list16(DigestText<Md5>& t, std::span<const std::uint8_t> list) {
  bool first = true;
  for (std::size_t i = 0; i + 1 < list.size(); i += 2) {
    const auto v = be16_at(list, i);
    if (is_grease(v)) continue;
    if (!first) t.put('-');
    t.put_decimal(v);
    first = false;
  }
}

void compute_ja3(const RawLists& raw, ClientHello& out) {
  DigestText<Md5> t(out.ja3_bytes);
  t.put_decimal(out.legacy_version);
  t.put(',');
  put_list16(t, raw.ciphers);
  t.put(',');
  bool first = true;
  for_each_extension_type(raw.extensions, [&](std::uint16_t type) {
    if (is_grease(type)) return;
    if (!first) t.put('-');
    t.put_decimal(type);
    first = false;
  });
  t.put(',');
  put_list16(t, raw.groups);
  t.put(',');
  for (std::size_t i = 0; i < raw.point_formats.size(); ++i) {
    if (i != 0) t.put('-');
    t.put_decimal(raw.point_formats[i]);
  }
  t.finish_hex(out.ja3_hash_bytes);
  out.ja3_size = t.kept();
  out.ja3_cut = t.cut();
}

std::string_view ja4_version(std::uint16_t v) {
  switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0200: return "s2";
    default: return "00";
  }
}

// First 12 hex characters of SHA-256 over the ','-joined 4-digit hex values; "000000000000" when the
// list is empty. `tail`, when not empty, is appended after '_' (JA4's signature algorithms).
void put_ja4_hash(std::span<const std::uint16_t> sorted, std::span<const std::uint8_t> tail, char* out) {
  if (sorted.empty()) {
    std::fill_n(out, 12, '0');
    return;
  }
  DigestText<Sha256> t;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i != 0) t.put(',');
    t.put_hex4(sorted[i]);
  }
  bool first = true;
  for (std::size_t i = 0; i + 1 < tail.size(); i += 2) {
    const auto v = be16_at(tail, i);
    if (is_grease(v)) continue;
    t.put(first ? '_' : ',');
    t.put_hex4(v);
    first = false;
  }
  t.finish_hex({out, 12});
}

void compute_ja4(const RawLists& raw, ClientHello& out) {
  std::array<std::uint16_t, kMaxWireCiphers> ciphers;
  std::size_t cipher_count = 0;
  for (std::size_t i = 0; i + 1 < raw.ciphers.size() && cipher_count < ciphers.size(); i += 2) {
    const auto v = be16_at(raw.ciphers, i);
    if (!is_grease(v)) ciphers[cipher_count++] = v;
  }
  std::array<std::uint16_t, kMaxWireExtensions> exts;
  std::size_t ext_count = 0;  // all non-GREASE extensions: the count in JA4_a
  std::size_t hashed = 0;     // without SNI and ALPN: the list in JA4_c
  bool has_sni = false;
  for_each_extension_type(raw.extensions, [&](std::uint16_t type) {
    if (is_grease(type)) return;
    ++ext_count;
    if (type == kExtServerName) has_sni = true;
    if (type == kExtServerName || type == kExtAlpn) return;
    if (hashed < exts.size()) exts[hashed++] = type;
  });
  std::sort(ciphers.begin(), ciphers.begin() + static_cast<std::ptrdiff_t>(cipher_count));
  std::sort(exts.begin(), exts.begin() + static_cast<std::ptrdiff_t>(hashed));

  char* p = out.ja4_bytes.data();
  *p++ = 't';
  const auto version = ja4_version(out.max_version);
  *p++ = version[0];
  *p++ = version[1];
  *p++ = has_sni ? 'd' : 'i';
  for (std::size_t n : {std::min<std::size_t>(cipher_count, 99), std::min<std::size_t>(ext_count, 99)}) {
    *p++ = static_cast<char>('0' + n / 10);
    *p++ = static_cast<char>('0' + n % 10);
  }
  const auto alpn = raw.first_alpn;
  if (alpn.empty()) {
    *p++ = '0';
    *p++ = '0';
  } else if (is_alnum(alpn.front()) && is_alnum(alpn.back())) {
    *p++ = static_cast<char>(alpn.front());
    *p++ = static_cast<char>(alpn.back());
  } else {  // first and last characters of the hex form of the protocol id
    *p++ = kHexDigits[alpn.front() >> 4];
    *p++ = kHexDigits[alpn.back() & 0xF];
  }
  *p++ = '_';
  put_ja4_hash({ciphers.data(), cipher_count}, {}, p);
  p += 12;
  *p++ = '_';
  put_ja4_hash({exts.data(), hashed}, raw.signature_algorithms, p);
}

// Reads a list whose byte length is given by a `prefix`-byte field and must fill `body` exactly.
bool read_exact_list(std::span<const std::uint8_t> body, std::size_t prefix, std::size_t unit,
                     std::span<const std::uint8_t>& list) {
  ByteReader r{body};
  const std::size_t len = prefix == 1 ? r.u8() : r.be16();
  list = r.bytes(len);
  return r && r.remaining() == 0 && len % unit == 0;
}

bool parse_extension(std::uint16_t type, std::span<const std::uint8_t> body, ClientHello& out, RawLists& raw,
                     Anomaly& anomaly) {
  std::span<const std::uint8_t> list;
  switch (type) {
    case kExtServerName: {
      if (!read_exact_list(body, 2, 1, list)) return false;
      ByteReader r{list};
      while (r.remaining() != 0) {
        const std::uint8_t name_type = r.u8();
        const std::uint16_t len = r.be16();
        const auto name = r.bytes(len);
        if (!r) return false;
        if (name_type != 0 || out.has_server_name) continue;
        out.has_server_name = true;
        const std::size_t n = std::min<std::size_t>(name.size(), kMaxServerNameBytes);
        for (std::size_t i = 0; i < n; ++i) out.server_name_bytes[i] = lower(name[i]);
        out.server_name_size = static_cast<std::uint16_t>(n);
        if (n < name.size()) anomaly = Anomaly::TlsSniTooLong;
      }
      return true;
    }
    case kExtAlpn: {
      if (!read_exact_list(body, 2, 1, list)) return false;
      ByteReader r{list};
      while (r.remaining() != 0) {
        const auto id = r.bytes(r.u8());
        if (!r || id.empty()) return false;
        if (raw.first_alpn.empty()) raw.first_alpn = id;
        AlpnProtocol p;
        p.size = static_cast<std::uint8_t>(std::min(id.size(), kMaxAlpnBytes));
        std::copy_n(id.data(), p.size, p.bytes.data());
        p.cut = p.size < id.size();
        out.alpn.push(p);
      }
      return true;
    }
    case kExtSupportedGroups:
      if (!read_exact_list(body, 2, 2, list)) return false;
      raw.groups = list;
      for (std::size_t i = 0; i < list.size(); i += 2) out.supported_groups.push(be16_at(list, i));
      return true;
    case kExtEcPointFormats:
      if (!read_exact_list(body, 1, 1, list)) return false;
      raw.point_formats = list;
      for (auto v : list) out.ec_point_formats.push(v);
      return true;
    case kExtSignatureAlgorithms:
      if (!read_exact_list(body, 2, 2, list)) return false;
      raw.signature_algorithms = list;
      for (std::size_t i = 0; i < list.size(); i += 2) out.signature_algorithms.push(be16_at(list, i));
      return true;
    case kExtSupportedVersions:
      if (!read_exact_list(body, 1, 2, list)) return false;
      for (std::size_t i = 0; i < list.size(); i += 2) out.supported_versions.push(be16_at(list, i));
      raw.supported_versions = list;
      return true;
    default: return true;
  }
}

void reset(ClientHello& out) {
  out.record_version = out.legacy_version = out.max_version = 0;
  out.session_id_size = out.compression_method_count = 0;
  out.records = out.consumed = out.handshake_size = 0;
  out.cipher_suites.clear();
  out.extensions.clear();
  out.supported_groups.clear();
  out.ec_point_formats.clear();
  out.signature_algorithms.clear();
  out.supported_versions.clear();
  out.alpn.clear();
  out.has_server_name = false;
  out.server_name_size = 0;
  out.ja3_size = 0;
  out.ja3_cut = false;
  out.fingerprinted = false;
}

HelloStatus malformed(Anomaly& anomaly, Anomaly a) {
  anomaly = a;
  return HelloStatus::Malformed;
}

// The ClientHello body (after the handshake header).
HelloStatus parse_body(std::span<const std::uint8_t> body, ClientHello& out, Anomaly& anomaly,
                       Fingerprints fingerprints) {
  RawLists raw;
  ByteReader r{body};
  out.legacy_version = r.be16();
  out.max_version = out.legacy_version;
  r.skip(32);  // random
  const std::uint8_t session_id_size = r.u8();
  r.skip(session_id_size);
  const std::uint16_t cipher_bytes = r.be16();
  raw.ciphers = r.bytes(cipher_bytes);
  const std::uint8_t compression_count = r.u8();
  r.skip(compression_count);
  if (!r || session_id_size > kMaxSessionIdBytes || cipher_bytes == 0 || cipher_bytes % 2 != 0 ||
      compression_count == 0) {
    return malformed(anomaly, Anomaly::TlsBadLength);
  }
  out.session_id_size = session_id_size;
  out.compression_method_count = compression_count;
  for (std::size_t i = 0; i < raw.ciphers.size(); i += 2) out.cipher_suites.push(be16_at(raw.ciphers, i));

  if (r.remaining() != 0) {  // SSL 3.0-era hellos end here
    const std::uint16_t ext_bytes = r.be16();
    raw.extensions = r.bytes(ext_bytes);
    if (!r || r.remaining() != 0) return malformed(anomaly, Anomaly::TlsBadLength);
    ByteReader e{raw.extensions};
    while (e.remaining() != 0) {
      const std::uint16_t type = e.be16();
      const std::uint16_t len = e.be16();
      const auto ext = e.bytes(len);
      if (!e) return malformed(anomaly, Anomaly::TlsBadLength);
      // A repeated extension is a protocol error; the first occurrence is the one described.
      bool repeated = false;
      for (auto seen : out.extensions.values()) repeated = repeated || seen == type;
      out.extensions.push(type);
      if (repeated) continue;
      if (!parse_extension(type, ext, out, raw, anomaly)) return malformed(anomaly, Anomaly::TlsBadExtension);
    }
  }
  // TLS 1.3 clients say what they support in the extension; legacy_version stays 1.2.
  std::uint16_t max_supported = 0;
  for (std::size_t i = 0; i + 1 < raw.supported_versions.size(); i += 2) {
    const auto v = be16_at(raw.supported_versions, i);
    if (!is_grease(v)) max_supported = std::max(max_supported, v);
  }
  if (max_supported != 0) out.max_version = max_supported;
  if (fingerprints == Fingerprints::Compute) {
    compute_ja3(raw, out);
    compute_ja4(raw, out);
    out.fingerprinted = true;
  }
  return HelloStatus::Parsed;
}

}  // namespace

HelloStatus parse_client_hello(std::span<const std::uint8_t> stream, ClientHello& out, Anomaly& anomaly,
                               Fingerprints fingerprints) {
  reset(out);
  // Record header prefix: content type handshake, major version 3.
  if (stream.empty()) return HelloStatus::NeedMore;
  if (stream[0] != kContentHandshake || (stream.size() > 1 && stream[1] != 3) || (stream.size() > 2 && stream[2] > 4)) {
    return HelloStatus::NotTls;
  }
  const bool stream_full = stream.size() >= kMaxStreamBytes;
  stream = stream.first(std::min(stream.size(), kMaxStreamBytes));

  // The handshake message gathered from its records; every fragment is copied so one code path
  // serves a hello in one record and a hello in many.
  std::array<std::uint8_t, kMaxStreamBytes> message;
  std::size_t have = 0;
  std::size_t need = 0;  // whole handshake message, known once its header is in
  std::size_t pos = 0;
  for (;;) {
    if (stream.size() - pos < kRecordHeaderBytes) {
      return stream_full ? malformed(anomaly, Anomaly::TlsHelloTooLong) : HelloStatus::NeedMore;
    }
    const std::uint8_t type = stream[pos];
    const std::uint16_t version = be16_at(stream, pos + 1);
    const std::size_t len = be16_at(stream, pos + 3);
    if (type != kContentHandshake || (version >> 8) != 3) return malformed(anomaly, Anomaly::TlsUnexpectedRecord);
    if (len > kMaxRecordBytes) return malformed(anomaly, Anomaly::TlsRecordTooLong);
    if (len == 0) return malformed(anomaly, Anomaly::TlsBadLength);
    if (out.records == 0) out.record_version = version;
    const std::size_t available = std::min(len, stream.size() - pos - kRecordHeaderBytes);
    const auto fragment = stream.subspan(pos + kRecordHeaderBytes, available);
    std::copy(fragment.begin(), fragment.end(), message.begin() + static_cast<std::ptrdiff_t>(have));
    have += fragment.size();
    if (need == 0 && have >= kHandshakeHeaderBytes) {
      if (message[0] != kHandshakeClientHello) return malformed(anomaly, Anomaly::TlsNotClientHello);
      const std::size_t body = (std::size_t{message[1]} << 16) | (std::size_t{message[2]} << 8) | message[3];
      need = kHandshakeHeaderBytes + body;
      // At least one record header precedes it: anything longer can never fit the stream bound.
      if (need + kRecordHeaderBytes > kMaxStreamBytes) return malformed(anomaly, Anomaly::TlsHelloTooLong);
    } else if (need == 0 && have > 0 && message[0] != kHandshakeClientHello) {
      return malformed(anomaly, Anomaly::TlsNotClientHello);
    }
    if (available < len) {
      return stream_full ? malformed(anomaly, Anomaly::TlsHelloTooLong) : HelloStatus::NeedMore;
    }
    pos += kRecordHeaderBytes + len;
    ++out.records;
    if (need != 0 && have >= need) break;
  }
  out.consumed = pos;
  out.handshake_size = need - kHandshakeHeaderBytes;
  return parse_body(std::span<const std::uint8_t>(message).subspan(kHandshakeHeaderBytes, out.handshake_size), out,
                    anomaly, fingerprints);
}

}  // namespace minewatch::protocols::tls
