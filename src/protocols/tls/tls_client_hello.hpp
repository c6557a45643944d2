#pragma once
// TLS ClientHello from the start of a client->server TCP stream (TLS over TCP; QUIC is out of scope):
// what the client offers (versions, cipher suites, extensions, SNI, ALPN, groups, signature algorithms)
// and the JA3 and JA4 fingerprints of it. Miners that hide Stratum in TLS still show a client library's
// hello and usually the pool's name in SNI. Pure: no I/O, no heap; every list is a fixed-size array
// that keeps the first entries and counts the rest; ClientHello is a self-contained value.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/anomaly.hpp"

namespace minewatch::protocols::tls {

enum class HelloStatus : std::uint8_t {
  Parsed,
  NeedMore,   // the hello (possibly spread over several records) is not complete yet
  NotTls,     // the stream does not start with a TLS handshake record
  Malformed,  // TLS, but not a well-formed ClientHello
};

// The stream prefix a caller needs to keep: a hello that does not fit (record headers included) is
// Malformed with TlsHelloTooLong.
inline constexpr std::size_t kMaxStreamBytes = 16 * 1024;

inline constexpr std::size_t kMaxCipherSuites = 128;
inline constexpr std::size_t kMaxExtensions = 64;
inline constexpr std::size_t kMaxGroups = 32;
inline constexpr std::size_t kMaxPointFormats = 8;
inline constexpr std::size_t kMaxSignatureAlgorithms = 48;
inline constexpr std::size_t kMaxSupportedVersions = 16;
inline constexpr std::size_t kMaxAlpnProtocols = 4;
inline constexpr std::size_t kMaxAlpnBytes = 32;         // longer protocol ids are cut (alpn_cut)
inline constexpr std::size_t kMaxServerNameBytes = 255;  // longer names are cut (TlsSniTooLong)
inline constexpr std::size_t kMaxJa3Bytes = 2048;        // longer JA3 strings are cut; the hash is not

inline constexpr std::uint16_t kExtServerName = 0x0000;
inline constexpr std::uint16_t kExtSupportedGroups = 0x000a;
inline constexpr std::uint16_t kExtEcPointFormats = 0x000b;
inline constexpr std::uint16_t kExtSignatureAlgorithms = 0x000d;
inline constexpr std::uint16_t kExtAlpn = 0x0010;
inline constexpr std::uint16_t kExtSupportedVersions = 0x002b;

// RFC 8701 GREASE values: 0x0a0a, 0x1a1a, ..., 0xfafa.
constexpr bool is_grease(std::uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

// The first N values of a list in wire order, GREASE included, and how many the list held in total.
template <typename T, std::size_t N>
struct BoundedList {
  std::array<T, N> items{};
  std::size_t stored = 0;
  std::size_t total = 0;

  void clear() { stored = total = 0; }
  void push(T v) {
    if (stored < N) items[stored++] = v;
    ++total;
  }
  [[nodiscard]] std::span<const T> values() const { return {items.data(), stored}; }
  [[nodiscard]] bool is_cut() const { return total > stored; }
};

struct AlpnProtocol {
  std::array<char, kMaxAlpnBytes> bytes{};
  std::uint8_t size = 0;
  bool cut = false;  // the protocol id was longer than kMaxAlpnBytes

  [[nodiscard]] std::string_view view() const { return {bytes.data(), size}; }
};

struct ClientHello {
  std::uint16_t record_version = 0;  // of the first record
  std::uint16_t legacy_version = 0;  // ClientHello.legacy_version (0x0303 for TLS 1.2 and 1.3 clients)
  // Highest non-GREASE supported_versions entry, or legacy_version when the extension is absent.
  std::uint16_t max_version = 0;
  std::uint8_t session_id_size = 0;
  std::uint8_t compression_method_count = 0;
  std::size_t records = 0;         // TLS records the hello spanned
  std::size_t consumed = 0;        // stream bytes of those records
  std::size_t handshake_size = 0;  // handshake message length (without its 4-byte header)

  BoundedList<std::uint16_t, kMaxCipherSuites> cipher_suites;
  BoundedList<std::uint16_t, kMaxExtensions> extensions;  // types, in order
  BoundedList<std::uint16_t, kMaxGroups> supported_groups;
  BoundedList<std::uint8_t, kMaxPointFormats> ec_point_formats;
  BoundedList<std::uint16_t, kMaxSignatureAlgorithms> signature_algorithms;
  BoundedList<std::uint16_t, kMaxSupportedVersions> supported_versions;
  BoundedList<AlpnProtocol, kMaxAlpnProtocols> alpn;

  // First host_name of the server_name extension, lowercased (host names are case-insensitive).
  bool has_server_name = false;
  std::array<char, kMaxServerNameBytes> server_name_bytes{};
  std::uint16_t server_name_size = 0;

  // JA3 (Salesforce): "version,ciphers,extensions,groups,point_formats", decimal, '-'-joined, GREASE
  // left out; ja3_hash is its MD5 in lowercase hex and always covers the whole string.
  std::array<char, kMaxJa3Bytes> ja3_bytes{};
  std::size_t ja3_size = 0;
  bool ja3_cut = false;
  std::array<char, 32> ja3_hash_bytes{};
  // JA4 (FoxIO), e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1".
  std::array<char, 36> ja4_bytes{};
  bool fingerprinted = false;  // JA3 and JA4 were computed (Fingerprints::Compute)

  [[nodiscard]] std::string_view server_name() const { return {server_name_bytes.data(), server_name_size}; }
  [[nodiscard]] std::string_view ja3_string() const { return {ja3_bytes.data(), ja3_size}; }
  // Empty unless the hello was parsed with Fingerprints::Compute.
  [[nodiscard]] std::string_view ja3_hash() const {
    return fingerprinted ? std::string_view{ja3_hash_bytes.data(), ja3_hash_bytes.size()} : std::string_view{};
  }
  [[nodiscard]] std::string_view ja4() const {
    return fingerprinted ? std::string_view{ja4_bytes.data(), ja4_bytes.size()} : std::string_view{};
  }
};

// Parses the ClientHello at the start of `stream` (the reassembled client->server bytes, from the first
// byte of the connection; pass up to kMaxStreamBytes). The hello may be split over several handshake
// records. Parsed: out holds it, fingerprints included; anomaly is set to TlsSniTooLong when the server
// name had to be cut, and left alone otherwise. NeedMore: give more of the stream. NotTls: the first
// bytes are not a handshake record header (content type 22, version 3.x). Malformed: anomaly =
// TlsRecordTooLong, TlsHelloTooLong, TlsNotClientHello (another handshake type first),
// TlsUnexpectedRecord (another content type before the hello is complete), TlsBadLength (a length
// field that disagrees with its container) or TlsBadExtension (an extension whose body does not parse).
// With Fingerprints::Skip the JA3/JA4 digests (an MD5 and two SHA-256 per hello) are not computed: the
// engine asks for them only when a hello matters (it names a pool, or miner fingerprints are configured).
enum class Fingerprints : bool { Skip, Compute };
HelloStatus parse_client_hello(std::span<const std::uint8_t> stream, ClientHello& out, Anomaly& anomaly,
                               Fingerprints fingerprints = Fingerprints::Compute);

}  // namespace minewatch::protocols::tls
