#include "protocols/dns/dns_parser.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/byte_reader.hpp"

namespace minewatch::protocols::dns {
namespace {

constexpr std::uint8_t kPointerMask = 0xC0;

constexpr char render_byte(std::uint8_t b) {
  if (b >= 'A' && b <= 'Z') return static_cast<char>(b - 'A' + 'a');
  if (b <= 0x20 || b >= 0x7F || b == '.') return '?';
  return static_cast<char>(b);
}

// render_byte for every byte value: names are copied a table load per byte, without branches.
constexpr std::array<char, 256> kRender = [] {
  std::array<char, 256> t{};
  for (std::size_t b = 0; b < t.size(); ++b) t[b] = render_byte(static_cast<std::uint8_t>(b));
  return t;
}();

// Reads the (possibly compressed) name starting at `pos`. `end` receives the offset just past the name
// in the record that holds it (after the first pointer when there is one). Compression pointers must
// point strictly before the start of the run of labels they end, so every jump lowers that bound and
// the walk terminates even without the jump limit; the limit keeps it cheap.
// `jumped_out` (when given) receives whether the name used a compression pointer.
bool read_name(std::span<const std::uint8_t> msg, std::size_t pos, DnsName& out, std::size_t& end, Anomaly& anomaly,
               bool* jumped_out = nullptr) {
  out.size = 0;
  std::size_t wire_bytes = 1;  // the root label
  std::size_t run_start = pos;
  std::size_t jumps = 0;
  bool jumped = false;
  for (;;) {
    if (pos >= msg.size()) {
      anomaly = Anomaly::DnsTruncated;
      return false;
    }
    const std::uint8_t len = msg[pos];
    if ((len & kPointerMask) == kPointerMask) {
      if (pos + 1 >= msg.size()) {
        anomaly = Anomaly::DnsTruncated;
        return false;
      }
      const std::size_t target = (std::size_t{len & 0x3Fu} << 8) | msg[pos + 1];
      if (!jumped) end = pos + 2;
      jumped = true;
      if (target >= run_start || ++jumps > kMaxPointerJumps) {
        anomaly = Anomaly::DnsBadPointer;
        return false;
      }
      pos = target;
      run_start = target;
      continue;
    }
    if ((len & kPointerMask) != 0) {  // 0x40 / 0x80: extended and reserved label types
      anomaly = Anomaly::DnsBadLabel;
      return false;
    }
    if (len == 0) {
      if (!jumped) end = pos + 1;
      if (jumped_out) *jumped_out = jumped;
      return true;
    }
    wire_bytes += 1 + len;
    if (wire_bytes > kMaxWireNameBytes) {
      anomaly = Anomaly::DnsNameTooLong;
      return false;
    }
    if (pos + 1 + len > msg.size()) {
      anomaly = Anomaly::DnsTruncated;
      return false;
    }
    // wire_bytes <= 255 keeps the text (labels + dots) within kMaxNameTextBytes. The size is kept in a
    // local: stores through `out.bytes` (char) could alias `out.size`, which forced a reload per byte.
    std::size_t size = out.size;
    if (size != 0) out.bytes[size++] = '.';
    const std::uint8_t* label = msg.data() + pos + 1;
    char* text = out.bytes.data() + size;
    for (std::size_t i = 0; i < len; ++i) text[i] = kRender[label[i]];
    out.size = static_cast<std::uint8_t>(size + len);
    pos += 1 + len;
  }
}

}  // namespace

DnsStatus parse_message(std::span<const std::uint8_t> msg, DnsMessage& out, Anomaly& anomaly) {
  out.has_question = false;
  out.answers_size = 0;
  out.answers_dropped = 0;
  ByteReader h{msg};
  out.id = h.be16();
  const std::uint16_t flags = h.be16();
  out.question_count = h.be16();
  out.answer_count = h.be16();
  out.authority_count = h.be16();
  out.additional_count = h.be16();
  if (!h) {
    anomaly = Anomaly::DnsTruncated;
    return DnsStatus::Malformed;
  }
  out.is_response = (flags & 0x8000) != 0;
  out.opcode = static_cast<std::uint8_t>((flags >> 11) & 0x0F);
  out.authoritative = (flags & 0x0400) != 0;
  out.truncated = (flags & 0x0200) != 0;
  out.recursion_desired = (flags & 0x0100) != 0;
  out.recursion_available = (flags & 0x0080) != 0;
  out.rcode = static_cast<std::uint8_t>(flags & 0x0F);

  std::size_t pos = kHeaderBytes;
  DnsName scratch;
  // Answers nearly always name their owner by a pointer to the question's name (0xC00C). When that
  // name has no pointer of its own, following the pointer reads exactly the question's bytes again, with
  // the same verdict: its rendering is copied instead.
  bool question_plain = false;
  // Each question takes at least 5 bytes, so the loop is bounded by the message size.
  for (std::size_t q = 0; q < out.question_count; ++q) {
    DnsName& name = q == 0 ? out.question.name : scratch;
    std::size_t end = 0;
    bool jumped = true;
    if (!read_name(msg, pos, name, end, anomaly, &jumped)) return DnsStatus::Malformed;
    if (q == 0) question_plain = !jumped;
    ByteReader r{msg.subspan(end)};
    const std::uint16_t qtype = r.be16();
    const std::uint16_t qclass = r.be16();
    if (!r) {
      anomaly = Anomaly::DnsTruncated;
      return DnsStatus::Malformed;
    }
    if (q == 0) {
      out.has_question = true;
      out.question.qtype = qtype;
      out.question.qclass = qclass;
    }
    pos = end + 4;
  }

  // Each record takes at least 11 bytes: bounded by the message size too.
  for (std::size_t a = 0; a < out.answer_count; ++a) {
    const bool keep_slot = out.answers_size < kMaxAnswers;
    DnsAnswer* rec = keep_slot ? &out.answers[out.answers_size] : nullptr;
    DnsName& name = keep_slot ? rec->name : scratch;
    std::size_t end = 0;
    if (question_plain && pos + 1 < msg.size() && msg[pos] == 0xC0 && msg[pos + 1] == kHeaderBytes) {
      std::memcpy(name.bytes.data(), out.question.name.bytes.data(), out.question.name.size);
      name.size = out.question.name.size;
      end = pos + 2;
    } else if (!read_name(msg, pos, name, end, anomaly)) {
      return DnsStatus::Malformed;
    }
    ByteReader r{msg.subspan(end)};
    const std::uint16_t type = r.be16();
    const std::uint16_t rr_class = r.be16();
    const std::uint32_t ttl = r.be32();
    const std::uint16_t rdlength = r.be16();
    const auto rdata = r.bytes(rdlength);
    if (!r) {
      anomaly = Anomaly::DnsTruncated;
      return DnsStatus::Malformed;
    }
    const std::size_t rdata_pos = end + 10;
    pos = rdata_pos + rdlength;
    if (type != kTypeA && type != kTypeAaaa && type != kTypeCname) continue;
    // Validate even records we cannot keep, so the verdict does not depend on kMaxAnswers.
    DnsName& target = keep_slot ? rec->target : scratch;
    if (type == kTypeA && rdlength != 4) {
      anomaly = Anomaly::DnsBadRdata;
      return DnsStatus::Malformed;
    }
    if (type == kTypeAaaa && rdlength != 16) {
      anomaly = Anomaly::DnsBadRdata;
      return DnsStatus::Malformed;
    }
    if (type == kTypeCname) {
      std::size_t target_end = 0;
      // The target may only use bytes of this rdata or earlier ones (pointers), never run past it.
      if (!read_name(msg.first(pos), rdata_pos, target, target_end, anomaly)) {
        if (anomaly == Anomaly::DnsTruncated) anomaly = Anomaly::DnsBadRdata;
        return DnsStatus::Malformed;
      }
      if (target_end != pos) {
        anomaly = Anomaly::DnsBadRdata;
        return DnsStatus::Malformed;
      }
    }
    if (!keep_slot) {
      ++out.answers_dropped;
      continue;
    }
    rec->type = type;
    rec->rr_class = rr_class;
    rec->ttl = ttl;
    rec->address = type == kTypeA      ? IpAddress::v4(rdata.data())
                   : type == kTypeAaaa ? IpAddress::v6(rdata.data())
                                       : IpAddress{};
    if (type != kTypeCname) rec->target.size = 0;
    ++out.answers_size;
  }
  return DnsStatus::Parsed;
}

DnsStatus next_tcp_message(std::span<const std::uint8_t> stream, std::span<const std::uint8_t>& msg,
                           std::size_t& consumed, Anomaly& anomaly) {
  if (stream.size() < 2) return DnsStatus::NeedMore;
  const std::size_t len = (std::size_t{stream[0]} << 8) | stream[1];
  if (len < kHeaderBytes) {
    anomaly = Anomaly::DnsTcpBadLength;
    return DnsStatus::Malformed;
  }
  if (stream.size() - 2 < len) return DnsStatus::NeedMore;
  msg = stream.subspan(2, len);
  consumed = 2 + len;
  return DnsStatus::Parsed;
}

std::size_t resolve_chain(const DnsMessage& msg, std::string_view name, ResolvedChain& out) {
  out.addresses_size = 0;
  out.cname_hops = 0;
  out.canonical = name;
  out.depth_exceeded = false;
  std::uint32_t min_ttl = UINT32_MAX;
  const auto answers = msg.answer_records();
  for (;;) {
    for (const auto& rec : answers) {
      if (rec.type == kTypeCname || rec.name.view() != out.canonical) continue;
      if (out.addresses_size < out.addresses.size()) out.addresses[out.addresses_size++] = rec.address;
      min_ttl = std::min(min_ttl, rec.ttl);
    }
    if (out.addresses_size != 0) break;
    const DnsAnswer* next = nullptr;
    for (const auto& rec : answers) {
      if (rec.type == kTypeCname && rec.name.view() == out.canonical) {
        next = &rec;
        break;
      }
    }
    if (next == nullptr) break;
    if (out.cname_hops == kMaxCnameDepth) {
      out.depth_exceeded = true;
      break;
    }
    ++out.cname_hops;
    min_ttl = std::min(min_ttl, next->ttl);
    out.canonical = next->target.view();
  }
  out.min_ttl = min_ttl == UINT32_MAX ? 0 : min_ttl;
  return out.addresses_size;
}

std::size_t resolve_chain(const DnsMessage& msg, ResolvedChain& out) {
  if (!msg.has_question) {
    out = ResolvedChain{};
    return 0;
  }
  return resolve_chain(msg, msg.question.name.view(), out);
}

}  // namespace minewatch::protocols::dns
