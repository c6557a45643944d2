#include "protocols/dns/dns_parser.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "capture/frame_source.hpp"
#include "decode/decoder.hpp"

namespace minewatch::protocols {
namespace {

using dns::DnsMessage;
using dns::DnsStatus;
using Bytes = std::vector<std::uint8_t>;

// Builds DNS messages byte by byte; names are written uncompressed unless a pointer is asked for.
class MessageBuilder {
 public:
  MessageBuilder& header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an) {
    u16(id).u16(flags).u16(qd).u16(an).u16(0).u16(0);
    return *this;
  }
  MessageBuilder& u8(std::uint8_t v) {
    bytes.push_back(v);
    return *this;
  }
  MessageBuilder& u16(std::uint16_t v) {
    bytes.push_back(static_cast<std::uint8_t>(v >> 8));
    bytes.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  MessageBuilder& u32(std::uint32_t v) {
    return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v));
  }
  // Labels of a dotted name, without the terminating root label.
  MessageBuilder& labels(std::string_view dotted) {
    while (!dotted.empty()) {
      auto dot = dotted.find('.');
      auto label = dotted.substr(0, dot);
      u8(static_cast<std::uint8_t>(label.size()));
      bytes.insert(bytes.end(), label.begin(), label.end());
      dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
    }
    return *this;
  }
  MessageBuilder& name(std::string_view dotted) { return labels(dotted).u8(0); }
  MessageBuilder& pointer(std::size_t offset) { return u16(static_cast<std::uint16_t>(0xC000 | offset)); }
  MessageBuilder& question(std::string_view dotted, std::uint16_t qtype) { return name(dotted).u16(qtype).u16(1); }
  // Record header after the owner name; rdlength is the caller's to get right (or wrong).
  MessageBuilder& rr(std::uint16_t type, std::uint32_t ttl, std::uint16_t rdlength) {
    return u16(type).u16(1).u32(ttl).u16(rdlength);
  }
  MessageBuilder& a(std::string_view owner, std::uint32_t ttl, std::array<std::uint8_t, 4> addr) {
    name(owner).rr(dns::kTypeA, ttl, 4);
    bytes.insert(bytes.end(), addr.begin(), addr.end());
    return *this;
  }
  MessageBuilder& cname(std::string_view owner, std::uint32_t ttl, std::string_view target) {
    name(owner).rr(dns::kTypeCname, ttl, static_cast<std::uint16_t>(target.size() + 2));
    return name(target);
  }
  [[nodiscard]] std::size_t size() const { return bytes.size(); }
  Bytes bytes;
};

IpAddress ip(std::string_view text) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::parse(text, a)) << text;
  return a;
}

class DnsParserTest : public ::testing::Test {
 protected:
  DnsStatus parse(const Bytes& b) {
    anomaly = Anomaly::Count;
    return dns::parse_message(b, msg, anomaly);
  }
  DnsMessage msg;
  Anomaly anomaly = Anomaly::Count;
};

TEST_F(DnsParserTest, ParsesAQueryWithItsHeaderAndQuestion) {
  MessageBuilder m;
  m.header(0xBEEF, 0x0100, 1, 0).question("Pool.Example.COM", dns::kTypeA);
  ASSERT_EQ(parse(m.bytes), DnsStatus::Parsed);
  EXPECT_EQ(msg.id, 0xBEEF);
  EXPECT_FALSE(msg.is_response);
  EXPECT_TRUE(msg.recursion_desired);
  EXPECT_EQ(msg.opcode, 0);
  ASSERT_TRUE(msg.has_question);
  EXPECT_EQ(msg.question.name.view(), "pool.example.com");
  EXPECT_EQ(msg.question.qtype, dns::kTypeA);
  EXPECT_EQ(msg.question.qclass, dns::kClassIn);
  EXPECT_TRUE(msg.answer_records().empty());
}

TEST_F(DnsParserTest, FollowsACnameChainThroughCompressedNamesToTheAddresses) {
  // pool.example.com CNAME lb.example.net; lb.example.net A 203.0.113.5, A 203.0.113.6
  MessageBuilder m;
  m.header(7, 0x8180, 1, 3).question("pool.example.com", dns::kTypeA);
  m.pointer(12).rr(dns::kTypeCname, 300, 16);
  const std::size_t target_at = m.size();
  m.labels("lb.example.net").u8(0);
  m.pointer(target_at).rr(dns::kTypeA, 60, 4).u8(203).u8(0).u8(113).u8(5);
  m.pointer(target_at).rr(dns::kTypeA, 30, 4).u8(203).u8(0).u8(113).u8(6);
  ASSERT_EQ(parse(m.bytes), DnsStatus::Parsed);
  ASSERT_EQ(msg.answers_size, 3u);
  EXPECT_EQ(msg.answers[0].name, "pool.example.com");
  EXPECT_EQ(msg.answers[0].type, dns::kTypeCname);
  EXPECT_EQ(msg.answers[0].target, "lb.example.net");
  EXPECT_EQ(msg.answers[1].name, "lb.example.net");
  EXPECT_EQ(msg.answers[1].address, ip("203.0.113.5"));

  dns::ResolvedChain chain;
  ASSERT_EQ(dns::resolve_chain(msg, chain), 2u);
  EXPECT_EQ(chain.canonical, "lb.example.net");
  EXPECT_EQ(chain.cname_hops, 1u);
  EXPECT_EQ(chain.addresses[0], ip("203.0.113.5"));
  EXPECT_EQ(chain.addresses[1], ip("203.0.113.6"));
  EXPECT_EQ(chain.min_ttl, 30u);
  EXPECT_FALSE(chain.depth_exceeded);
}

TEST_F(DnsParserTest, ReadsAnOwnerPointerToTheQuestionAsTheQuestionsName) {
  // The usual owner, a pointer to the question (rendered once and shared), and the same answer with
  // its owner written out: the records agree.
  for (bool compressed : {true, false}) {
    MessageBuilder m;
    m.header(3, 0x8180, 1, 1).question("Mixed.Case.Example", dns::kTypeA);
    if (compressed) {
      m.pointer(12);
    } else {
      m.name("mixed.case.example");
    }
    m.rr(dns::kTypeA, 60, 4).u8(192).u8(0).u8(2).u8(7);
    ASSERT_EQ(parse(m.bytes), DnsStatus::Parsed);
    ASSERT_EQ(msg.answers_size, 1u);
    EXPECT_EQ(msg.answers[0].name, "mixed.case.example");
    EXPECT_EQ(msg.answers[0].address, ip("192.0.2.7"));
  }
  // A question that ends in a pointer of its own (into the header: id 0 begins with a root label) is
  // shared too: read again through both pointers, it would give the same result.
  MessageBuilder m;
  m.header(0, 0x8180, 1, 1).labels("q").pointer(0).u16(dns::kTypeA).u16(1);
  m.pointer(12).rr(dns::kTypeA, 60, 4).u8(192).u8(0).u8(2).u8(8);
  ASSERT_EQ(parse(m.bytes), DnsStatus::Parsed);
  EXPECT_EQ(msg.question.name.view(), "q");
  ASSERT_EQ(msg.answers_size, 1u);
  EXPECT_EQ(msg.answers[0].name, "q");
  // Cut inside the owner pointer: truncated, as before.
  Bytes cut = m.bytes;
  cut.resize(m.bytes.size() - 15);
  EXPECT_EQ(parse(cut), DnsStatus::Malformed);
}

TEST_F(DnsParserTest, ParsesAaaaRecordsAsIpv6Addresses) {
  MessageBuilder m;
  m.header(1, 0x8180, 1, 1).question("v6.example", dns::kTypeAaaa);
  m.pointer(12).rr(dns::kTypeAaaa, 10, 16).u32(0x20010db8).u32(0).u32(0).u32(1);
  ASSERT_EQ(parse(m.bytes), DnsStatus::Parsed);
  ASSERT_EQ(msg.answers_size, 1u);
  EXPECT_EQ(msg.answers[0].address, ip("2001:db8::1"));
  dns::ResolvedChain chain;
  EXPECT_EQ(dns::resolve_chain(msg, chain), 1u);
}

TEST_F(DnsParserTest, StopsACnameLoopAtTheDepthLimit) {
  MessageBuilder m;
  m.header(1, 0x8180, 1, 2).question("a.example", dns::kTypeA);
  m.cname("a.example", 5, "b.example").cname("b.example", 5, "a.example");
  ASSERT_EQ(parse(m.bytes), DnsStatus::Parsed);
  dns::ResolvedChain chain;
  EXPECT_EQ(dns::resolve_chain(msg, chain), 0u);
  EXPECT_TRUE(chain.depth_exceeded);
  EXPECT_EQ(chain.cname_hops, dns::kMaxCnameDepth);
}

TEST_F(DnsParserTest, SkipsRecordTypesItDoesNotKeep) {
  MessageBuilder m;
  m.header(1, 0x8180, 1, 2).question("example.org", 16);
  m.pointer(12).rr(16, 5, 6).labels("hello");  // TXT "hello"
  m.a("example.org", 5, {192, 0, 2, 1});
  ASSERT_EQ(parse(m.bytes), DnsStatus::Parsed);
  ASSERT_EQ(msg.answers_size, 1u);
  EXPECT_EQ(msg.answers[0].address, ip("192.0.2.1"));
}

TEST_F(DnsParserTest, CountsAnswersBeyondItsCapacityAsDropped) {
  MessageBuilder m;
  const std::uint16_t n = dns::kMaxAnswers + 3;
  m.header(1, 0x8180, 1, n).question("many.example", dns::kTypeA);
  for (std::uint16_t i = 0; i < n; ++i) m.pointer(12).rr(dns::kTypeA, 1, 4).u32(0x0A000000u + i);
  ASSERT_EQ(parse(m.bytes), DnsStatus::Parsed);
  EXPECT_EQ(msg.answers_size, dns::kMaxAnswers);
  EXPECT_EQ(msg.answers_dropped, 3u);
  dns::ResolvedChain chain;
  EXPECT_EQ(dns::resolve_chain(msg, chain), dns::kMaxAnswers);
}

TEST_F(DnsParserTest, RejectsAPointerToItself) {
  MessageBuilder m;
  m.header(1, 0x0100, 1, 0).pointer(12).u16(1).u16(1);
  EXPECT_EQ(parse(m.bytes), DnsStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::DnsBadPointer);
}

TEST_F(DnsParserTest, RejectsAPointerLoopThroughALabel) {
  // Label "x" at 12, then a pointer back to 12: pointer targets must lie before the run they end.
  MessageBuilder m;
  m.header(1, 0x0100, 1, 0).u8(1).u8('x').pointer(12).u16(1).u16(1);
  EXPECT_EQ(parse(m.bytes), DnsStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::DnsBadPointer);
}

TEST_F(DnsParserTest, RejectsAForwardPointerAndAMutualPointerLoop) {
  MessageBuilder fwd;
  fwd.header(1, 0x0100, 1, 0).pointer(18).u16(1).u16(1).name("a");
  EXPECT_EQ(parse(fwd.bytes), DnsStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::DnsBadPointer);

  // Answer name points at 14 which points at 12 which points at 14.
  MessageBuilder loop;
  loop.header(1, 0x8180, 0, 1).pointer(14).pointer(12).rr(dns::kTypeA, 1, 4).u32(1);
  EXPECT_EQ(parse(loop.bytes), DnsStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::DnsBadPointer);
}

TEST_F(DnsParserTest, AcceptsAChainOfBackwardPointers) {
  MessageBuilder m;
  m.header(1, 0x8180, 1, 2).question("example.com", dns::kTypeA);
  const std::size_t www_at = m.size();
  m.labels("www").pointer(12).rr(dns::kTypeCname, 1, 6);
  const std::size_t cdn_at = m.size();
  m.labels("cdn").pointer(www_at);
  m.labels("x").pointer(cdn_at).rr(dns::kTypeA, 1, 4).u32(0x01020304);
  ASSERT_EQ(parse(m.bytes), DnsStatus::Parsed) << anomaly_name(anomaly);
  ASSERT_EQ(msg.answers_size, 2u);
  EXPECT_EQ(msg.answers[0].name, "www.example.com");
  EXPECT_EQ(msg.answers[0].target, "cdn.www.example.com");
  EXPECT_EQ(msg.answers[1].name, "x.cdn.www.example.com");
}

TEST_F(DnsParserTest, RejectsLabelsAndNamesThatAreTooLong) {
  MessageBuilder label;
  label.header(1, 0x0100, 1, 0).u8(64);
  label.bytes.resize(label.bytes.size() + 64, 'a');
  label.u8(0).u16(1).u16(1);
  EXPECT_EQ(parse(label.bytes), DnsStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::DnsBadLabel);  // 64 = 0x40: a reserved label type

  MessageBuilder longest;  // 4 * (1 + 62) + 1 + 1 + 1 = 255 wire bytes: the limit
  longest.header(1, 0x0100, 1, 0);
  for (int i = 0; i < 4; ++i) longest.labels(std::string(62, 'a'));
  longest.labels("b").u8(0).u16(1).u16(1);
  ASSERT_EQ(parse(longest.bytes), DnsStatus::Parsed);
  EXPECT_EQ(msg.question.name.size, dns::kMaxNameTextBytes);

  MessageBuilder too_long;
  too_long.header(1, 0x0100, 1, 0);
  for (int i = 0; i < 4; ++i) too_long.labels(std::string(63, 'a'));
  too_long.u8(0).u16(1).u16(1);
  EXPECT_EQ(parse(too_long.bytes), DnsStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::DnsNameTooLong);
}

TEST_F(DnsParserTest, RendersAmbiguousBytesAsQuestionMarks) {
  MessageBuilder m;
  m.header(1, 0x0100, 1, 0).u8(5).u8('p').u8('o').u8('.').u8(0xFF).u8(' ').name("com").u16(1).u16(1);
  ASSERT_EQ(parse(m.bytes), DnsStatus::Parsed);
  EXPECT_EQ(msg.question.name.view(), "po???.com");
}

TEST_F(DnsParserTest, RendersTheRootAsAnEmptyName) {
  MessageBuilder m;
  m.header(1, 0x0100, 1, 0).u8(0).u16(2).u16(1);
  ASSERT_EQ(parse(m.bytes), DnsStatus::Parsed);
  EXPECT_EQ(msg.question.name.view(), "");
}

TEST_F(DnsParserTest, RejectsAddressesOfTheWrongLengthAndOverlongCnameRdata) {
  MessageBuilder a;
  a.header(1, 0x8180, 0, 1).name("x").rr(dns::kTypeA, 1, 3).u8(1).u8(2).u8(3);
  EXPECT_EQ(parse(a.bytes), DnsStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::DnsBadRdata);

  MessageBuilder cname;  // rdata of 5 bytes holding a 3-byte name and 2 stray bytes
  cname.header(1, 0x8180, 0, 1).name("x").rr(dns::kTypeCname, 1, 5).name("y").u16(0);
  EXPECT_EQ(parse(cname.bytes), DnsStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::DnsBadRdata);

  MessageBuilder spill;  // rdlength 2 but the name runs on past the rdata
  spill.header(1, 0x8180, 0, 1).name("x").rr(dns::kTypeCname, 1, 2).name("yy");
  EXPECT_EQ(parse(spill.bytes), DnsStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::DnsBadRdata);
}

TEST_F(DnsParserTest, ReportsMalformedAtEveryTruncation) {
  MessageBuilder m;
  m.header(7, 0x8180, 1, 3).question("pool.example.com", dns::kTypeA);
  m.pointer(12).rr(dns::kTypeCname, 300, 16);
  const std::size_t target_at = m.size();
  m.labels("lb.example.net").u8(0);
  m.pointer(target_at).rr(dns::kTypeA, 60, 4).u32(0xCB007105);
  m.pointer(target_at).rr(dns::kTypeAaaa, 60, 16).u32(0x20010db8).u32(0).u32(0).u32(5);
  ASSERT_EQ(parse(m.bytes), DnsStatus::Parsed);
  for (std::size_t len = 0; len < m.size(); ++len) {
    Bytes cut(m.bytes.begin(), m.bytes.begin() + static_cast<std::ptrdiff_t>(len));
    EXPECT_EQ(parse(cut), DnsStatus::Malformed) << len;
    EXPECT_NE(anomaly, Anomaly::Count) << len;
  }
}

TEST_F(DnsParserTest, FramesSeveralMessagesFromATcpStream) {
  MessageBuilder one;
  one.header(1, 0x0100, 1, 0).question("a.example", dns::kTypeA);
  MessageBuilder two;
  two.header(2, 0x0100, 1, 0).question("b.example", dns::kTypeAaaa);
  Bytes stream;
  for (const auto* m : {&one, &two}) {
    stream.push_back(static_cast<std::uint8_t>(m->size() >> 8));
    stream.push_back(static_cast<std::uint8_t>(m->size()));
    stream.insert(stream.end(), m->bytes.begin(), m->bytes.end());
  }
  std::span<const std::uint8_t> rest(stream);
  std::vector<std::uint16_t> ids;
  for (;;) {
    std::span<const std::uint8_t> body;
    std::size_t consumed = 0;
    if (dns::next_tcp_message(rest, body, consumed, anomaly) != DnsStatus::Parsed) break;
    ASSERT_EQ(dns::parse_message(body, msg, anomaly), DnsStatus::Parsed);
    ids.push_back(msg.id);
    rest = rest.subspan(consumed);
  }
  EXPECT_EQ(ids, (std::vector<std::uint16_t>{1, 2}));
  EXPECT_TRUE(rest.empty());

  std::span<const std::uint8_t> body;
  std::size_t consumed = 0;
  for (std::size_t len = 0; len < one.size() + 2; ++len) {
    EXPECT_EQ(dns::next_tcp_message(std::span(stream).first(len), body, consumed, anomaly), DnsStatus::NeedMore);
  }
  const Bytes short_len = {0x00, 0x05, 1, 2, 3, 4, 5};
  EXPECT_EQ(dns::next_tcp_message(short_len, body, consumed, anomaly), DnsStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::DnsTcpBadLength);
}

// UDP payloads to or from port 53, decoded with minewatch's own capture and decode stages.
std::vector<Bytes> dns_payloads(const std::string& path) {
  std::vector<Bytes> out;
  AnomalyCounters anomalies;
  auto source = capture::open_capture(path, anomalies);
  EXPECT_TRUE(source.has_value()) << path;
  if (!source) return out;
  std::array<capture::Frame, 64> frames;
  while (auto n = (*source)->read_batch(frames)) {
    for (std::size_t i = 0; i < n; ++i) {
      decode::PacketView pkt;
      if (decode::decode_frame(frames[i], pkt, anomalies) != decode::DecodeStatus::Ok) continue;
      if (pkt.proto != decode::kProtoUdp || (pkt.sport != 53 && pkt.dport != 53)) continue;
      out.emplace_back(pkt.payload.begin(), pkt.payload.end());
    }
  }
  return out;
}

// Expected values read with tshark 4.0 (dns.qry.name, dns.a, dns.cname, dns.resp.ttl) from the trace.
TEST(DnsRealCaptures, DecodesTheCoinhiveTraceLikeTshark) {
  const std::string path =
      std::string(MW_SHARED_CAPTURES) + "/positive/zeek-cryptomining__testing_Traces_coinhive.pcap";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "capture not present: " << path;
  const auto payloads = dns_payloads(path);
  ASSERT_FALSE(payloads.empty());
  DnsMessage msg;
  std::size_t parsed = 0;
  bool saw_authedmine = false, saw_ws027 = false, saw_normandy = false;
  for (const auto& p : payloads) {
    Anomaly anomaly{};
    ASSERT_EQ(dns::parse_message(p, msg, anomaly), DnsStatus::Parsed) << anomaly_name(anomaly);
    ++parsed;
    if (!msg.is_response || msg.question.qtype != dns::kTypeA) continue;
    dns::ResolvedChain chain;
    dns::resolve_chain(msg, chain);
    const auto name = msg.question.name.view();
    // The first response for each name is the one tshark's values above describe.
    if (name == "authedmine.com" && !saw_authedmine) {
      saw_authedmine = true;
      ASSERT_EQ(chain.addresses_size, 4u);
      EXPECT_EQ(chain.addresses[0], ip("217.182.164.13"));
      EXPECT_EQ(chain.addresses[3], ip("217.182.164.10"));
      EXPECT_EQ(chain.min_ttl, 294u);
      EXPECT_EQ(chain.cname_hops, 0u);
    } else if (name == "ws027.authedmine.com" && !saw_ws027) {
      saw_ws027 = true;
      ASSERT_EQ(chain.addresses_size, 1u);
      EXPECT_EQ(chain.addresses[0], ip("37.187.167.83"));
      EXPECT_EQ(chain.min_ttl, 300u);
    } else if (name == "normandy.cdn.mozilla.net" && !saw_normandy) {
      saw_normandy = true;
      EXPECT_EQ(chain.cname_hops, 2u);
      EXPECT_EQ(chain.canonical, "normandy-cdn-elb-prod-787321160.us-west-2.elb.amazonaws.com");
      ASSERT_EQ(chain.addresses_size, 6u);
      EXPECT_EQ(chain.addresses[0], ip("54.187.243.99"));
      EXPECT_EQ(chain.addresses[5], ip("52.36.23.167"));
      EXPECT_EQ(chain.min_ttl, 45u);
    }
  }
  EXPECT_GT(parsed, 20u);
  EXPECT_TRUE(saw_authedmine);
  EXPECT_TRUE(saw_ws027);
  EXPECT_TRUE(saw_normandy);
}

}  // namespace
}  // namespace minewatch::protocols
