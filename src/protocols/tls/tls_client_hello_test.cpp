#include "protocols/tls/tls_client_hello.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "capture/frame_source.hpp"
#include "decode/decoder.hpp"

namespace minewatch::protocols {
namespace {

using tls::ClientHello;
using tls::HelloStatus;
using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& b, std::size_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put24(Bytes& b, std::size_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 16));
  put16(b, v);
}
void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
Bytes text(std::string_view s) { return {s.begin(), s.end()}; }
// A 2-byte-length-prefixed list of 16-bit values.
Bytes list16(std::initializer_list<std::uint16_t> values) {
  Bytes b;
  put16(b, values.size() * 2);
  for (auto v : values) put16(b, v);
  return b;
}

// Builds a ClientHello body, then frames it in one or more handshake records.
struct HelloBuilder {
  std::uint16_t legacy_version = 0x0303;
  std::vector<std::uint16_t> ciphers;
  std::vector<std::pair<std::uint16_t, Bytes>> extensions;
  bool with_extension_block = true;

  HelloBuilder& ext(std::uint16_t type, Bytes body = {}) {
    extensions.emplace_back(type, std::move(body));
    return *this;
  }
  HelloBuilder& sni(std::string_view host) {
    Bytes entry{0};
    put16(entry, host.size());
    append(entry, text(host));
    Bytes body;
    put16(body, entry.size());
    append(body, entry);
    return ext(tls::kExtServerName, body);
  }
  HelloBuilder& alpn(std::initializer_list<std::string_view> ids) {
    Bytes list;
    for (auto id : ids) {
      list.push_back(static_cast<std::uint8_t>(id.size()));
      append(list, text(id));
    }
    Bytes body;
    put16(body, list.size());
    append(body, list);
    return ext(tls::kExtAlpn, body);
  }

  [[nodiscard]] Bytes body() const {
    Bytes b;
    put16(b, legacy_version);
    for (int i = 0; i < 32; ++i) b.push_back(static_cast<std::uint8_t>(0x40 + i));  // random
    b.push_back(32);                                                                // session id
    for (int i = 0; i < 32; ++i) b.push_back(static_cast<std::uint8_t>(0xA0 + i));
    put16(b, ciphers.size() * 2);
    for (auto c : ciphers) put16(b, c);
    b.push_back(1);  // compression methods: null
    b.push_back(0);
    if (!with_extension_block) return b;
    Bytes exts;
    for (const auto& [type, data] : extensions) {
      put16(exts, type);
      put16(exts, data.size());
      append(exts, data);
    }
    put16(b, exts.size());
    append(b, exts);
    return b;
  }
  [[nodiscard]] Bytes handshake() const {
    Bytes body_bytes = body();
    Bytes h{1};
    put24(h, body_bytes.size());
    append(h, body_bytes);
    return h;
  }
  // The handshake message in records of at most `fragment` bytes.
  [[nodiscard]] Bytes records(std::size_t fragment = 16384) const {
    Bytes h = handshake();
    Bytes out;
    for (std::size_t off = 0; off < h.size(); off += fragment) {
      const std::size_t n = std::min(fragment, h.size() - off);
      out.push_back(22);
      put16(out, 0x0301);
      put16(out, n);
      out.insert(out.end(), h.begin() + static_cast<std::ptrdiff_t>(off),
                 h.begin() + static_cast<std::ptrdiff_t>(off + n));
    }
    return out;
  }
};

// A Chrome-shaped TLS 1.3 hello with GREASE in ciphers, extensions, groups and versions: the cipher,
// extension and signature algorithm sets of the JA4 specification's example (t13d1516h2_8daaf6152771_
// e5627efa2ab1).
HelloBuilder chrome_like() {
  HelloBuilder h;
  h.ciphers = {0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
               0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  Bytes key_share;
  put16(key_share, 2 + 2 + 1 + 2 + 2 + 32);
  put16(key_share, 0x3a3a);
  put16(key_share, 1);
  key_share.push_back(0);
  put16(key_share, 0x001d);
  put16(key_share, 32);
  for (int i = 0; i < 32; ++i) key_share.push_back(static_cast<std::uint8_t>(i * 7));
  h.ext(0x2a2a)
      .sni("Pool.Example.COM")
      .ext(0x0017)
      .ext(0xff01, {0})
      .ext(tls::kExtSupportedGroups, list16({0x3a3a, 0x001d, 0x0017, 0x0018}))
      .ext(tls::kExtEcPointFormats, {1, 0})
      .ext(0x0023)
      .alpn({"h2", "http/1.1"})
      .ext(0x0005, {1, 0, 0, 0, 0})
      .ext(tls::kExtSignatureAlgorithms, list16({0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}))
      .ext(0x0012)
      .ext(0x0033, key_share)
      .ext(0x002d, {1, 1})
      .ext(tls::kExtSupportedVersions, {6, 0x5a, 0x5a, 3, 4, 3, 3})
      .ext(0x001b, {2, 0, 2})
      .ext(0x4469, {0, 3, 2, 'h', '2'})
      .ext(0x0015, Bytes(40, 0))
      .ext(0x1a1a, {0});
  return h;
}

class TlsClientHelloTest : public ::testing::Test {
 protected:
  HelloStatus parse(const Bytes& b) {
    anomaly = Anomaly::Count;
    return tls::parse_client_hello(b, hello, anomaly);
  }
  ClientHello hello;
  Anomaly anomaly = Anomaly::Count;
};

TEST_F(TlsClientHelloTest, ParsesAChromeShapedHello) {
  const Bytes bytes = chrome_like().records();
  ASSERT_EQ(parse(bytes), HelloStatus::Parsed) << anomaly_name(anomaly);
  EXPECT_EQ(anomaly, Anomaly::Count);
  EXPECT_EQ(hello.record_version, 0x0301);
  EXPECT_EQ(hello.legacy_version, 0x0303);
  EXPECT_EQ(hello.max_version, 0x0304);
  EXPECT_EQ(hello.records, 1u);
  EXPECT_EQ(hello.consumed, bytes.size());
  EXPECT_EQ(hello.session_id_size, 32);
  EXPECT_EQ(hello.cipher_suites.total, 16u);
  EXPECT_EQ(hello.cipher_suites.values()[0], 0x0a0a);  // GREASE kept in the lists, left out of fingerprints
  EXPECT_EQ(hello.extensions.total, 18u);
  EXPECT_EQ(hello.extensions.values()[1], tls::kExtServerName);
  EXPECT_TRUE(hello.has_server_name);
  EXPECT_EQ(hello.server_name(), "pool.example.com");
  ASSERT_EQ(hello.alpn.stored, 2u);
  EXPECT_EQ(hello.alpn.values()[0].view(), "h2");
  EXPECT_EQ(hello.alpn.values()[1].view(), "http/1.1");
  EXPECT_EQ(hello.supported_groups.total, 4u);
  EXPECT_EQ(hello.ec_point_formats.total, 1u);
  EXPECT_EQ(hello.signature_algorithms.total, 8u);
  EXPECT_EQ(hello.supported_versions.total, 3u);
}

TEST_F(TlsClientHelloTest, ComputesJa3WithoutGrease) {
  ASSERT_EQ(parse(chrome_like().records()), HelloStatus::Parsed);
  EXPECT_EQ(hello.ja3_string(),
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
            "0-23-65281-10-11-35-16-5-13-18-51-45-43-27-17513-21,29-23-24,0");
  EXPECT_EQ(hello.ja3_hash(), "cd08e31494f9531f560d64c695473da9");  // md5sum of the string above
  EXPECT_FALSE(hello.ja3_cut);
}

TEST_F(TlsClientHelloTest, ComputesTheJa4OfTheSpecificationExample) {
  ASSERT_EQ(parse(chrome_like().records()), HelloStatus::Parsed);
  EXPECT_EQ(hello.ja4(), "t13d1516h2_8daaf6152771_e5627efa2ab1");
}

TEST_F(TlsClientHelloTest, Ja4DoesNotDependOnExtensionOrder) {
  auto h = chrome_like();
  std::reverse(h.extensions.begin(), h.extensions.end());
  ASSERT_EQ(parse(h.records()), HelloStatus::Parsed);
  EXPECT_EQ(hello.ja4(), "t13d1516h2_8daaf6152771_e5627efa2ab1");
  EXPECT_NE(hello.ja3_hash(), "cd08e31494f9531f560d64c695473da9");
}

TEST_F(TlsClientHelloTest, Ja4MarksAHelloWithoutSniOrAlpn) {
  HelloBuilder h;
  h.ciphers = {0xc02f, 0x009c};
  h.ext(tls::kExtSupportedGroups, list16({0x0017}));
  ASSERT_EQ(parse(h.records()), HelloStatus::Parsed);
  EXPECT_EQ(hello.ja4().substr(0, 11), "t12i020100_");
  EXPECT_FALSE(hello.has_server_name);
}

TEST_F(TlsClientHelloTest, Ja4UsesHexEdgesOfANonAlphanumericAlpn) {
  HelloBuilder h;
  h.ciphers = {0x1301};
  h.alpn({std::string_view("\xab\x01\xcd", 3)});
  ASSERT_EQ(parse(h.records()), HelloStatus::Parsed);
  EXPECT_EQ(hello.ja4().substr(0, 10), "t12i0101ad");
  // Ciphers only and no extensions but ALPN: the extension hash is all zeros.
  EXPECT_EQ(hello.ja4().substr(24), "000000000000");
}

TEST_F(TlsClientHelloTest, ParsesAHelloWithoutExtensions) {
  HelloBuilder h;
  h.legacy_version = 0x0301;
  h.ciphers = {0x0035, 0x002f};
  h.with_extension_block = false;
  ASSERT_EQ(parse(h.records()), HelloStatus::Parsed);
  EXPECT_EQ(hello.max_version, 0x0301);
  EXPECT_EQ(hello.ja3_string(), "769,53-47,,,");
  EXPECT_EQ(hello.ja4().substr(0, 10), "t10i020000");
}

TEST_F(TlsClientHelloTest, FingerprintsAreComputedOnlyWhenAskedFor) {
  const auto h = chrome_like();
  ClientHello with, without;
  ASSERT_EQ(tls::parse_client_hello(h.records(), with, anomaly), HelloStatus::Parsed);
  ASSERT_EQ(tls::parse_client_hello(h.records(), without, anomaly, tls::Fingerprints::Skip), HelloStatus::Parsed);
  EXPECT_EQ(with.ja4().size(), 36u);
  EXPECT_EQ(with.ja3_hash().size(), 32u);
  EXPECT_TRUE(without.ja4().empty());
  EXPECT_TRUE(without.ja3_hash().empty());
  EXPECT_EQ(without.server_name(), with.server_name()) << "everything else is parsed the same";
  EXPECT_EQ(without.cipher_suites.values().size(), with.cipher_suites.values().size());
  // A reused ClientHello forgets the fingerprints of the previous parse.
  ASSERT_EQ(tls::parse_client_hello(h.records(), with, anomaly, tls::Fingerprints::Skip), HelloStatus::Parsed);
  EXPECT_TRUE(with.ja4().empty());
}

TEST_F(TlsClientHelloTest, ReassemblesAHelloSpreadOverManyRecords) {
  const auto h = chrome_like();
  ClientHello whole;
  ASSERT_EQ(tls::parse_client_hello(h.records(), whole, anomaly), HelloStatus::Parsed);
  for (std::size_t fragment : {1u, 3u, 100u, 255u}) {
    const Bytes bytes = h.records(fragment);
    ASSERT_EQ(parse(bytes), HelloStatus::Parsed) << fragment;
    EXPECT_GT(hello.records, 1u);
    EXPECT_EQ(hello.consumed, bytes.size());
    EXPECT_EQ(hello.server_name(), "pool.example.com");
    EXPECT_EQ(hello.ja3_hash(), whole.ja3_hash());
    EXPECT_EQ(hello.ja4(), whole.ja4());
  }
}

TEST_F(TlsClientHelloTest, AsksForMoreAtEveryTruncation) {
  for (std::size_t fragment : {16384u, 200u}) {
    const Bytes bytes = chrome_like().records(fragment);
    for (std::size_t len = 0; len < bytes.size(); ++len) {
      Bytes cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
      EXPECT_EQ(parse(cut), HelloStatus::NeedMore) << fragment << " " << len;
    }
  }
}

TEST_F(TlsClientHelloTest, IgnoresBytesAfterTheHello) {
  Bytes bytes = chrome_like().records();
  const std::size_t hello_size = bytes.size();
  append(bytes, {0x17, 0x03, 0x03, 0x00, 0x02, 0xde, 0xad});  // application data
  ASSERT_EQ(parse(bytes), HelloStatus::Parsed);
  EXPECT_EQ(hello.consumed, hello_size);
}

TEST_F(TlsClientHelloTest, SaysNotTlsForOtherProtocols) {
  EXPECT_EQ(parse(text(R"({"id":1,"method":"login"})")), HelloStatus::NotTls);
  EXPECT_EQ(parse(text("GET / HTTP/1.1\r\n")), HelloStatus::NotTls);
  EXPECT_EQ(parse({0x16, 0x01}), HelloStatus::NotTls);
  EXPECT_EQ(parse({0x16, 0x03, 0x09}), HelloStatus::NotTls);
  EXPECT_EQ(parse({0x80, 0x2e, 0x01, 0x03, 0x01}), HelloStatus::NotTls);  // SSLv2-framed hello
  EXPECT_EQ(parse({0x16}), HelloStatus::NeedMore);
  EXPECT_EQ(parse({}), HelloStatus::NeedMore);
}

TEST_F(TlsClientHelloTest, RejectsAnotherHandshakeTypeOrAnInterleavedRecord) {
  Bytes server_hello = chrome_like().records();
  server_hello[5] = 2;
  EXPECT_EQ(parse(server_hello), HelloStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::TlsNotClientHello);

  Bytes two = chrome_like().records(300);
  two[5 + 300] = 0x15;  // second record: alert
  EXPECT_EQ(parse(two), HelloStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::TlsUnexpectedRecord);
}

TEST_F(TlsClientHelloTest, RejectsOversizedRecordsAndHellos) {
  EXPECT_EQ(parse({0x16, 0x03, 0x01, 0x40, 0x01, 0x01}), HelloStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::TlsRecordTooLong);
  EXPECT_EQ(parse({0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x40, 0x00}), HelloStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::TlsHelloTooLong);
  // A stream at the bound that still does not hold the hello (which would fit it): 1-byte records.
  const Bytes header = {0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x3f, 0xe0};
  Bytes full = header;
  while (full.size() < tls::kMaxStreamBytes) append(full, {0x16, 0x03, 0x01, 0x00, 0x01, 0x00});
  EXPECT_EQ(parse(full), HelloStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::TlsHelloTooLong);
}

TEST_F(TlsClientHelloTest, RejectsInconsistentLengths) {
  auto odd = chrome_like();
  ASSERT_EQ(odd.extensions[4].first, tls::kExtSupportedGroups);
  odd.extensions[4].second = {0, 3, 0, 0x1d, 0};
  EXPECT_EQ(parse(odd.records()), HelloStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::TlsBadExtension);

  Bytes body = chrome_like().handshake();
  body[4 + 2 + 32] = 33;  // session id longer than 32
  Bytes rec = {22, 3, 1};
  put16(rec, body.size());
  append(rec, body);
  EXPECT_EQ(parse(rec), HelloStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::TlsBadLength);

  HelloBuilder no_ciphers;
  EXPECT_EQ(parse(no_ciphers.records()), HelloStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::TlsBadLength);
}

TEST_F(TlsClientHelloTest, CutsAnOverlongServerNameAndSaysSo) {
  HelloBuilder h;
  h.ciphers = {0x1301};
  h.sni(std::string(300, 'A'));
  ASSERT_EQ(parse(h.records()), HelloStatus::Parsed);
  EXPECT_EQ(anomaly, Anomaly::TlsSniTooLong);
  EXPECT_EQ(hello.server_name(), std::string(tls::kMaxServerNameBytes, 'a'));
}

TEST_F(TlsClientHelloTest, CountsListEntriesBeyondItsArraysAndStillFingerprintsAll) {
  HelloBuilder h;
  for (std::uint16_t c = 1; c <= 400; ++c) h.ciphers.push_back(c);
  ASSERT_EQ(parse(h.records()), HelloStatus::Parsed);
  EXPECT_EQ(hello.cipher_suites.stored, tls::kMaxCipherSuites);
  EXPECT_EQ(hello.cipher_suites.total, 400u);
  EXPECT_TRUE(hello.cipher_suites.is_cut());
  EXPECT_EQ(hello.ja4().substr(0, 10), "t12i990000");
  EXPECT_TRUE(hello.ja3_string().ends_with("-400,,,"));
}

// First TCP payload from each client port to port 443, decoded with minewatch's own capture and
// decode stages (the hellos in these traces fit one segment).
std::map<std::uint16_t, Bytes> first_payloads_to_443(const std::string& path) {
  std::map<std::uint16_t, Bytes> out;
  AnomalyCounters anomalies;
  auto source = capture::open_capture(path, anomalies);
  EXPECT_TRUE(source.has_value()) << path;
  if (!source) return out;
  std::array<capture::Frame, 64> frames;
  while (auto n = (*source)->read_batch(frames)) {
    for (std::size_t i = 0; i < n; ++i) {
      decode::PacketView pkt;
      if (decode::decode_frame(frames[i], pkt, anomalies) != decode::DecodeStatus::Ok) continue;
      if (pkt.proto != decode::kProtoTcp || pkt.dport != 443 || pkt.payload.empty()) continue;
      out.try_emplace(pkt.sport, pkt.payload.begin(), pkt.payload.end());
    }
  }
  return out;
}

struct Expected {
  std::string_view server_name;
  std::string_view ja3;
  std::string_view ja4;  // empty: no third-party value to compare with
};

void expect_hellos(const std::string& path, const std::map<std::uint16_t, Expected>& expected) {
  const auto payloads = first_payloads_to_443(path);
  for (const auto& [port, want] : expected) {
    SCOPED_TRACE(port);
    auto it = payloads.find(port);
    ASSERT_NE(it, payloads.end());
    ClientHello hello;
    Anomaly anomaly{};
    ASSERT_EQ(tls::parse_client_hello(it->second, hello, anomaly), HelloStatus::Parsed) << anomaly_name(anomaly);
    EXPECT_EQ(hello.server_name(), want.server_name);
    EXPECT_EQ(hello.ja3_hash(), want.ja3);
    if (!want.ja4.empty()) {
      EXPECT_EQ(hello.ja4(), want.ja4);
    }
  }
}

const std::string kCaptures = std::string(MW_SHARED_CAPTURES) + "/";

// SNI and JA3 from tshark 4.0 (tls.handshake.extensions_server_name, tls.handshake.ja3); JA4 from nDPI's
// expected output for the same trace (tests/cfgs/default/result/443-firefox.pcap.out).
TEST(TlsRealCaptures, MatchesTsharkAndNdpiOnFirefox) {
  const std::string path = kCaptures + "negative/nDPI__tests_cfgs_default_pcap_443-firefox.pcap";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "capture not present: " << path;
  expect_hellos(
      path, {{53096, {"www.ntop.org", "b20b44b18b853ef29ab773e921b03422", "t13d1814h2_29a2cd9e9f10_d267a5f792d4"}}});
}

TEST(TlsRealCaptures, MatchesTsharkAndNdpiOnSafari) {
  const std::string path = kCaptures + "negative/nDPI__tests_cfgs_default_pcap_443-safari.pcap";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "capture not present: " << path;
  expect_hellos(
      path, {{53031, {"www.ntop.org", "a69708a64f853c3bcc214c2c5faf84f3", "t12d2010h2_2a284e3b0c56_f05fdf8c38a9"}}});
}

TEST(TlsRealCaptures, MatchesTsharkOnTheCoinhiveTrace) {
  const std::string path = kCaptures + "positive/zeek-cryptomining__testing_Traces_coinhive.pcap";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "capture not present: " << path;
  const auto payloads = first_payloads_to_443(path);
  std::map<std::string, std::string> ja3_by_name;
  std::size_t parsed = 0;
  for (const auto& [port, bytes] : payloads) {
    ClientHello hello;
    Anomaly anomaly{};
    if (tls::parse_client_hello(bytes, hello, anomaly) != HelloStatus::Parsed) continue;
    ++parsed;
    ja3_by_name.try_emplace(std::string(hello.server_name()), hello.ja3_hash());  // first connection
  }
  // The other flows start mid-stream (application data) and are NotTls; tshark counts 21 hellos.
  EXPECT_EQ(parsed, 21u);
  EXPECT_EQ(ja3_by_name["authedmine.com"], "e539cf186447573e3ac2e0b10e262bd1");
  EXPECT_EQ(ja3_by_name["ws027.authedmine.com"], "7375c86ede5d928ba34a0622e4ac0dcd");
  EXPECT_EQ(ja3_by_name["services.addons.mozilla.org"], "0ffee3ba8e615ad22535e7f771690a28");
}

}  // namespace
}  // namespace minewatch::protocols
