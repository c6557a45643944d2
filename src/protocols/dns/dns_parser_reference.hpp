#pragma once
// The DNS parser as it was before names were rendered once and shared (a copy of dns_parser.cpp at
// that point, with its own output types), and differences(), which holds parse_message() and
// resolve_chain() to it: the differential test and the fuzz target use it. Test and fuzz code only,
// never linked into the product. Keep the copy as it is: it is the specification of what they decide.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "core/anomaly.hpp"
#include "core/byte_reader.hpp"
#include "core/ip_address.hpp"
#include "protocols/dns/dns_parser.hpp"

namespace minewatch::protocols::dns::reference {

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

struct DnsAnswer {
  DnsName name;
  std::uint16_t type = 0;
  std::uint16_t rr_class = 0;
  std::uint32_t ttl = 0;
  IpAddress address;
  DnsName target;
};

struct DnsMessage {
  std::uint16_t id = 0;
  bool is_response = false;
  std::uint8_t opcode = 0;
  bool authoritative = false;
  bool truncated = false;
  bool recursion_desired = false;
  bool recursion_available = false;
  std::uint8_t rcode = 0;
  std::uint16_t question_count = 0;
  std::uint16_t answer_count = 0;
  std::uint16_t authority_count = 0;
  std::uint16_t additional_count = 0;
  bool has_question = false;
  DnsQuestion question;
  std::array<DnsAnswer, kMaxAnswers> answers;
  std::size_t answers_size = 0;
  std::size_t answers_dropped = 0;

  [[nodiscard]] std::span<const DnsAnswer> answer_records() const { return {answers.data(), answers_size}; }
};

struct ResolvedChain {
  std::array<IpAddress, kMaxAnswers> addresses;
  std::size_t addresses_size = 0;
  std::size_t cname_hops = 0;
  std::string_view canonical;
  std::uint32_t min_ttl = 0;
  bool depth_exceeded = false;
};

namespace detail {

inline constexpr std::uint8_t kPointerMask = 0xC0;

constexpr char render_byte(std::uint8_t b) {
  if (b >= 'A' && b <= 'Z') return static_cast<char>(b - 'A' + 'a');
  if (b <= 0x20 || b >= 0x7F || b == '.') return '?';
  return static_cast<char>(b);
}

inline constexpr std::array<char, 256> kRender = [] {
  std::array<char, 256> t{};
  for (std::size_t b = 0; b < t.size(); ++b) t[b] = render_byte(static_cast<std::uint8_t>(b));
  return t;
}();

inline bool read_name(std::span<const std::uint8_t> msg, std::size_t pos, DnsName& out, std::size_t& end,
                      Anomaly& anomaly, bool* jumped_out = nullptr) {
  out.size = 0;
  std::size_t wire_bytes = 1;
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
    if ((len & kPointerMask) != 0) {
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
    std::size_t size = out.size;
    if (size != 0) out.bytes[size++] = '.';
    const std::uint8_t* label = msg.data() + pos + 1;
    char* text = out.bytes.data() + size;
    for (std::size_t i = 0; i < len; ++i) text[i] = kRender[label[i]];
    out.size = static_cast<std::uint8_t>(size + len);
    pos += 1 + len;
  }
}

}  // namespace detail

inline DnsStatus parse_message(std::span<const std::uint8_t> msg, DnsMessage& out, Anomaly& anomaly) {
  using detail::read_name;
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
  bool question_plain = false;
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

inline std::size_t resolve_chain(const DnsMessage& msg, std::string_view name, ResolvedChain& out) {
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

inline std::size_t resolve_chain(const DnsMessage& msg, ResolvedChain& out) {
  if (!msg.has_question) {
    out = ResolvedChain{};
    return 0;
  }
  return resolve_chain(msg, msg.question.name.view(), out);
}

// What parse_message() and resolve_chain() decide differently from the reference for `wire`, as text
// ("" when nothing): the verdict and anomaly, every field of a parsed message, and the chains from the
// question, from every name in the answer and from two other names. `msg` and `ref` are scratch.
inline std::string differences(std::span<const std::uint8_t> wire, dns::DnsMessage& msg, DnsMessage& ref) {
  std::string diff;
  const auto expect = [&diff](bool same, std::string_view what) {
    if (!same) diff.append(what).append("; ");
  };
  Anomaly anomaly{}, ref_anomaly{};
  const DnsStatus status = dns::parse_message(wire, msg, anomaly);
  const DnsStatus ref_status = reference::parse_message(wire, ref, ref_anomaly);
  expect(status == ref_status, "status");
  if (status != ref_status) return diff;
  if (status != DnsStatus::Parsed) {
    expect(anomaly == ref_anomaly, "anomaly");
    return diff;
  }
  expect(msg.id == ref.id && msg.is_response == ref.is_response && msg.opcode == ref.opcode &&
             msg.authoritative == ref.authoritative && msg.truncated == ref.truncated &&
             msg.recursion_desired == ref.recursion_desired && msg.recursion_available == ref.recursion_available &&
             msg.rcode == ref.rcode,
         "header flags");
  expect(msg.question_count == ref.question_count && msg.answer_count == ref.answer_count &&
             msg.authority_count == ref.authority_count && msg.additional_count == ref.additional_count,
         "header counts");
  expect(msg.has_question == ref.has_question, "has_question");
  if (msg.has_question && ref.has_question) {
    expect(msg.question.name.view() == ref.question.name.view() && msg.question.name.size == ref.question.name.size,
           "question name");
    expect(msg.question.qtype == ref.question.qtype && msg.question.qclass == ref.question.qclass, "question type");
  }
  expect(msg.answers_size == ref.answers_size && msg.answers_dropped == ref.answers_dropped, "answer counts");
  if (msg.answers_size != ref.answers_size) return diff;
  for (std::size_t i = 0; i < msg.answers_size; ++i) {
    const auto& a = msg.answers[i];
    const auto& b = ref.answers[i];
    expect(a.name == b.name.view() && a.target == b.target.view(), "answer names");
    expect(a.type == b.type && a.rr_class == b.rr_class && a.ttl == b.ttl && a.address == b.address, "answer fields");
  }
  dns::ResolvedChain chain;
  ResolvedChain ref_chain;
  const auto compare_chains = [&](std::size_t n, std::size_t ref_n) {
    bool same = n == ref_n && chain.addresses_size == ref_chain.addresses_size &&
                chain.cname_hops == ref_chain.cname_hops && chain.canonical == ref_chain.canonical &&
                chain.min_ttl == ref_chain.min_ttl && chain.depth_exceeded == ref_chain.depth_exceeded;
    for (std::size_t i = 0; same && i < chain.addresses_size; ++i) same = chain.addresses[i] == ref_chain.addresses[i];
    expect(same, "chain");
  };
  compare_chains(dns::resolve_chain(msg, chain), reference::resolve_chain(ref, ref_chain));
  for (std::size_t i = 0; i < msg.answers_size; ++i) {
    compare_chains(dns::resolve_chain(msg, msg.answers[i].name, chain),
                   reference::resolve_chain(ref, ref.answers[i].name.view(), ref_chain));
    compare_chains(dns::resolve_chain(msg, msg.answers[i].target, chain),
                   reference::resolve_chain(ref, ref.answers[i].target.view(), ref_chain));
  }
  for (std::string_view name : {std::string_view{}, std::string_view{"a.example"}}) {
    compare_chains(dns::resolve_chain(msg, name, chain), reference::resolve_chain(ref, name, ref_chain));
  }
  return diff;
}

}  // namespace minewatch::protocols::dns::reference
