#pragma once
// DNS messages (RFC 1035) as seen on the wire: parse_message() decodes one message (a UDP payload, or
// one message framed out of a TCP stream by next_tcp_message()) into fixed-size values: header, the
// first question and the A / AAAA / CNAME records of the answer section. resolve_chain() follows
// CNAMEs from the question name to the final addresses, so intel can map "pool name -> addresses".
// Pure functions: no I/O, no heap, every loop bounded by the message size or a constant.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/anomaly.hpp"
#include "core/ip_address.hpp"

namespace minewatch::protocols::dns {

enum class DnsStatus : std::uint8_t { Parsed, NeedMore, Malformed };

inline constexpr std::uint16_t kTypeA = 1;
inline constexpr std::uint16_t kTypeCname = 5;
inline constexpr std::uint16_t kTypeAaaa = 28;
inline constexpr std::uint16_t kClassIn = 1;

inline constexpr std::size_t kHeaderBytes = 12;
inline constexpr std::size_t kMaxWireNameBytes = 255;  // RFC 1035 3.1, including length octets and root
inline constexpr std::size_t kMaxLabelBytes = 63;
inline constexpr std::size_t kMaxNameTextBytes = 253;  // dotted text of a 255-byte wire name
inline constexpr std::size_t kMaxAnswers = 32;         // A / AAAA / CNAME records kept per message
inline constexpr std::size_t kMaxPointerJumps = 32;    // compression pointers followed per name
inline constexpr std::size_t kMaxCnameDepth = 8;       // CNAME hops followed by resolve_chain

// A domain name as lowercase dotted text without the trailing dot; the root is "". Bytes that would
// make the text ambiguous ('.' inside a label, control and non-ASCII bytes) are shown as '?', so such
// a name can never equal a real host name.
struct DnsName {
  std::array<char, kMaxNameTextBytes> bytes;
  std::uint8_t size = 0;

  [[nodiscard]] std::string_view view() const { return {bytes.data(), size}; }
};

struct DnsQuestion {
  DnsName name;
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
};

// One A, AAAA or CNAME record of the answer section. address is set for A / AAAA, target for CNAME
// (else empty). name and target are rendered as DnsName renders and view text the DnsMessage holds
// (until it is parsed into again): a name the message repeats through a compression pointer, as nearly
// every owner name is, is rendered once and shared.
struct DnsAnswer {
  std::string_view name;
  std::uint16_t type = 0;
  std::uint16_t rr_class = 0;
  std::uint32_t ttl = 0;
  IpAddress address;
  std::string_view target;
};

struct DnsMessage {
  DnsMessage() = default;
  // Answers view the message's own text: a copy's would still view the original's.
  DnsMessage(const DnsMessage&) = delete;
  DnsMessage& operator=(const DnsMessage&) = delete;

  // Header.
  std::uint16_t id = 0;
  bool is_response = false;
  std::uint8_t opcode = 0;
  bool authoritative = false;
  bool truncated = false;  // TC: the server cut the answer short (retry over TCP)
  bool recursion_desired = false;
  bool recursion_available = false;
  std::uint8_t rcode = 0;
  std::uint16_t question_count = 0;  // counts as stated in the header
  std::uint16_t answer_count = 0;
  std::uint16_t authority_count = 0;
  std::uint16_t additional_count = 0;
  // First question (has_question false when question_count is 0).
  bool has_question = false;
  DnsQuestion question;
  // A / AAAA / CNAME records of the answer section, in order; other types are skipped. answers_dropped
  // counts records of those types beyond kMaxAnswers.
  std::array<DnsAnswer, kMaxAnswers> answers;
  std::size_t answers_size = 0;
  std::size_t answers_dropped = 0;
  // The text of the answers' names that are not the question's: each rendered once, at most an owner
  // and a target per kept answer.
  std::array<char, 2 * kMaxAnswers * kMaxNameTextBytes> answer_text;

  [[nodiscard]] std::span<const DnsAnswer> answer_records() const { return {answers.data(), answers_size}; }
};

// Decodes one DNS message. The authority and additional sections are not walked. Parsed: out holds it.
// Malformed: anomaly = DnsTruncated (a section ends early), DnsBadLabel (reserved label type, empty
// message), DnsNameTooLong, DnsBadPointer (compression pointer not strictly backwards, or too many
// jumps) or DnsBadRdata (A / AAAA address of the wrong length, CNAME rdata not exactly one name).
// Never returns NeedMore.
DnsStatus parse_message(std::span<const std::uint8_t> msg, DnsMessage& out, Anomaly& anomaly);

// DNS over TCP (RFC 1035 4.2.2): frames the message at the start of `stream` (2-byte length prefix).
//   Parsed: msg is the message body (a view into stream), consumed = 2 + its length.
//   NeedMore: the prefix or the body is incomplete.
//   Malformed: anomaly = DnsTcpBadLength (length shorter than a DNS header).
DnsStatus next_tcp_message(std::span<const std::uint8_t> stream, std::span<const std::uint8_t>& msg,
                           std::size_t& consumed, Anomaly& anomaly);

// The addresses a name resolves to within one response, following CNAMEs.
struct ResolvedChain {
  std::array<IpAddress, kMaxAnswers> addresses;
  std::size_t addresses_size = 0;
  std::size_t cname_hops = 0;   // CNAMEs followed
  std::string_view canonical;   // the name the addresses belong to (view into the message)
  std::uint32_t min_ttl = 0;    // smallest TTL along the chain and among the addresses
  bool depth_exceeded = false;  // stopped after kMaxCnameDepth hops (a loop or an absurd chain)

  [[nodiscard]] std::span<const IpAddress> address_list() const { return {addresses.data(), addresses_size}; }
};

// Follows CNAME records from `name` (lowercase dotted, as DnsName renders it) to the A / AAAA records
// of the final name, at most kMaxCnameDepth hops. Returns the number of addresses found (0 when the
// chain ends without addresses, e.g. a CNAME-only or NXDOMAIN answer).
std::size_t resolve_chain(const DnsMessage& msg, std::string_view name, ResolvedChain& out);
// Same, starting from the question name.
std::size_t resolve_chain(const DnsMessage& msg, ResolvedChain& out);

}  // namespace minewatch::protocols::dns
