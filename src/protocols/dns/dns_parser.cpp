#include "protocols/dns/dns_parser.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace minewatch::protocols::dns {
namespace {

constexpr std::uint8_t kPointerMask = 0xC0;

constexpr char render_byte(std::uint8_t b) {
  if (b >= 'A' && b <= 'Z') return static_cast<char>(b - 'A' + 'a');
  if (b <= 0x20 || b >= 0x7F || b == '.') return '?';
  return static_cast<char>(b);
}

// render_byte for every byte value: label bytes that render16() cannot take (too near the end of the
// message or of the text) are rendered a table load per byte, without branches.
constexpr std::array<char, 256> kRender = [] {
  std::array<char, 256> t{};
  for (std::size_t b = 0; b < t.size(); ++b) t[b] = render_byte(static_cast<std::uint8_t>(b));
  return t;
}();

// A GCC / Clang vector type: 16 bytes in one register.
using Chars16 = signed char __attribute__((vector_size(16)));

// render_byte on the 16 bytes at `in`, written to `out`.
void render16(const std::uint8_t* in, char* out) {
  Chars16 b;
  std::memcpy(&b, in, 16);
  // Signed bytes: those from 0x80 up are negative, so `<= 0x20` takes them with the control bytes.
  const Chars16 shown_as_mark = (b <= 0x20) | (b == 0x7F) | (b == '.');
  const Chars16 upper = (b >= 'A') & (b <= 'Z');
  b += upper & ('a' - 'A');
  b = (b & ~shown_as_mark) | (shown_as_mark & '?');
  std::memcpy(out, &b, 16);
}

std::uint16_t load_be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// A name read without error, and what reading it took.
struct KnownName {
  std::size_t offset;  // where it starts
  std::size_t jumps;   // compression pointers followed
  std::size_t extent;  // one past the furthest byte read (the end of a run: runs are read forwards)
  const char* text;    // not a string_view, whose constructor would zero every entry of the table
  std::size_t size;
};

// Names read from the message whose text lasts as long as it does (the question, kept owner names and
// CNAME targets), by where they start. Responses name nearly every owner by a pointer to the question
// or to a CNAME target: the name is then the known one, not read and rendered again.
class KnownNames {
 public:
  // Where the name being read is described; remember_next() keeps it.
  KnownName& next() { return names_[size_]; }
  // Keeps the name read last (its text must outlive the table) unless it starts with a pointer (later
  // pointers lead where that one does) or the table is full (later names are then walked).
  void remember_next(std::span<const std::uint8_t> msg) {
    if (size_ < kMaxKnown && (msg[names_[size_].offset] & kPointerMask) == 0) ++size_;
  }
  [[nodiscard]] const KnownName* find(std::size_t offset) const {
    for (std::size_t i = 0; i < size_; ++i) {
      if (names_[i].offset == offset) return &names_[i];
    }
    return nullptr;
  }

 private:
  static constexpr std::size_t kMaxKnown = 16;  // a response rarely holds more than a few distinct names
  std::array<KnownName, kMaxKnown + 1> names_;  // and the name read last when they are all taken
  std::size_t size_ = 0;
};

// Renders the run of labels msg[from, to) (bounds checked) as text at buf + size: the first label's
// bytes, then for each further label a dot (where its length byte was) and its bytes. 16 bytes a step
// while there are 16 to read and room for them in kMaxNameTextBytes; bytes written past the run's text
// are the next run's or lie past the name's end, where nothing reads them.
void render_run(std::span<const std::uint8_t> msg, std::size_t from, std::size_t to, char* buf, std::size_t size) {
  const std::uint8_t* in = msg.data() + from + 1;
  char* out = buf + size;
  const std::size_t n = to - from - 1;
  std::size_t i = 0;
  for (; i < n && from + 1 + i + 16 <= msg.size() && size + i + 16 <= kMaxNameTextBytes; i += 16) {
    render16(in + i, out + i);
  }
  for (; i < n; ++i) out[i] = kRender[in[i]];
  for (std::size_t at = from + 1 + msg[from]; at < to; at += 1 + msg[at]) out[at - from - 1] = '.';
}

// Reads the (possibly compressed) name starting at `pos`, rendering it into `buf` (kMaxNameTextBytes)
// and describing the reading in `read`. Returns its text, or a null view (and `anomaly`) when it is
// malformed. `end` receives the offset just past the name in the record that holds it (after the first
// pointer when there is one). Compression pointers must point strictly before the start of the run of
// labels they end, so every jump lowers that bound and the walk terminates even without the jump
// limit; the limit keeps it cheap.
std::string_view walk_name(std::span<const std::uint8_t> msg, std::size_t pos, char* buf, KnownName& read,
                           std::size_t& end, Anomaly& anomaly) {
  read.offset = pos;
  std::size_t size = 0;
  std::size_t wire_bytes = 1;  // the root label
  std::size_t jumps = 0;
  std::size_t extent = 0;
  for (;;) {
    // A run of labels, checked to its end (a root label, a pointer or a bad byte), then rendered.
    const std::size_t run_start = pos;
    std::uint8_t len = 0;
    for (;;) {
      if (pos >= msg.size()) {
        anomaly = Anomaly::DnsTruncated;
        return {};
      }
      len = msg[pos];
      if (len == 0 || (len & kPointerMask) != 0) break;
      wire_bytes += 1 + len;
      if (wire_bytes > kMaxWireNameBytes) {
        anomaly = Anomaly::DnsNameTooLong;
        return {};
      }
      if (pos + 1 + len > msg.size()) {
        anomaly = Anomaly::DnsTruncated;
        return {};
      }
      pos += 1 + len;
    }
    if (pos != run_start) {
      // wire_bytes <= 255 keeps the text (labels + dots) within kMaxNameTextBytes.
      if (size != 0) buf[size++] = '.';
      render_run(msg, run_start, pos, buf, size);
      size += pos - run_start - 1;
    }
    if (len == 0) {
      if (jumps == 0) end = pos + 1;
      extent = std::max(extent, pos + 1);
      break;
    }
    if ((len & kPointerMask) != kPointerMask) {  // 0x40 / 0x80: extended and reserved label types
      anomaly = Anomaly::DnsBadLabel;
      return {};
    }
    if (pos + 1 >= msg.size()) {
      anomaly = Anomaly::DnsTruncated;
      return {};
    }
    const std::size_t target = (std::size_t{len & 0x3Fu} << 8) | msg[pos + 1];
    if (jumps == 0) end = pos + 2;
    if (target >= run_start || ++jumps > kMaxPointerJumps) {
      anomaly = Anomaly::DnsBadPointer;
      return {};
    }
    extent = std::max(extent, pos + 2);
    pos = target;
  }
  read.jumps = jumps;
  read.extent = extent;
  read.text = buf;
  read.size = size;
  return {buf, size};
}

// Reads the name at `pos` as walk_name() does. A name that is only a pointer to a known name is that
// name: walking it would follow the pointer backwards (known names start before any name read later)
// and read the known name's bytes from the same start again, all within `msg` when its extent is,
// with one jump more.
inline std::string_view read_name(std::span<const std::uint8_t> msg, std::size_t pos, char* buf, KnownNames& known,
                                  std::size_t& end, Anomaly& anomaly) {
  KnownName& read = known.next();
  if (pos + 1 < msg.size() && (msg[pos] & kPointerMask) == kPointerMask) {
    const KnownName* k = known.find((std::size_t{msg[pos] & 0x3Fu} << 8) | msg[pos + 1]);
    if (k != nullptr && k->jumps < kMaxPointerJumps && k->extent <= msg.size()) {
      end = pos + 2;
      read.offset = pos;  // a pointer: remember_next() leaves it
      return {k->text, k->size};
    }
  }
  return walk_name(msg, pos, buf, read, end, anomaly);
}

// Names are compared as text, so that spellings which render alike are the same name; a name shared
// by records is the same text and needs no comparison.
bool same_name(std::string_view a, std::string_view b) {
  return (a.data() == b.data() && a.size() == b.size()) || a == b;
}

}  // namespace

DnsStatus parse_message(std::span<const std::uint8_t> msg, DnsMessage& out, Anomaly& anomaly) {
  out.has_question = false;
  out.answers_size = 0;
  out.answers_dropped = 0;
  if (msg.size() < kHeaderBytes) {
    anomaly = Anomaly::DnsTruncated;
    return DnsStatus::Malformed;
  }
  const std::uint8_t* h = msg.data();
  out.id = load_be16(h);
  const std::uint16_t flags = load_be16(h + 2);
  out.question_count = load_be16(h + 4);
  out.answer_count = load_be16(h + 6);
  out.authority_count = load_be16(h + 8);
  out.additional_count = load_be16(h + 10);
  out.is_response = (flags & 0x8000) != 0;
  out.opcode = static_cast<std::uint8_t>((flags >> 11) & 0x0F);
  out.authoritative = (flags & 0x0400) != 0;
  out.truncated = (flags & 0x0200) != 0;
  out.recursion_desired = (flags & 0x0100) != 0;
  out.recursion_available = (flags & 0x0080) != 0;
  out.rcode = static_cast<std::uint8_t>(flags & 0x0F);

  KnownNames known;
  std::array<char, kMaxNameTextBytes> scratch;  // names only checked: later questions, dropped answers
  std::size_t pos = kHeaderBytes;
  // Each question takes at least 5 bytes, so the loop is bounded by the message size.
  for (std::size_t q = 0; q < out.question_count; ++q) {
    std::size_t end = 0;
    const std::string_view name =
        read_name(msg, pos, q == 0 ? out.question.name.bytes.data() : scratch.data(), known, end, anomaly);
    if (name.data() == nullptr) return DnsStatus::Malformed;
    if (msg.size() - end < 4) {
      anomaly = Anomaly::DnsTruncated;
      return DnsStatus::Malformed;
    }
    if (q == 0) {
      // Nothing is known before the first name: it was rendered into the question's buffer.
      out.question.name.size = static_cast<std::uint8_t>(name.size());
      out.has_question = true;
      out.question.qtype = load_be16(msg.data() + end);
      out.question.qclass = load_be16(msg.data() + end + 2);
      known.remember_next(msg);
    }
    pos = end + 4;
  }

  char* free_text = out.answer_text.data();
  // Counted in a local, not in `out`: stores of name and address bytes may alias its fields and would
  // force them to be reloaded.
  std::size_t kept = 0;
  // Each record takes at least 11 bytes: bounded by the message size too.
  for (std::size_t a = 0, count = out.answer_count; a < count; ++a) {
    const bool keep_slot = kept < kMaxAnswers;
    char* buf = keep_slot ? free_text : scratch.data();
    std::size_t end = 0;
    const std::string_view name = read_name(msg, pos, buf, known, end, anomaly);
    if (name.data() == nullptr) return DnsStatus::Malformed;
    if (msg.size() - end < 10) {
      anomaly = Anomaly::DnsTruncated;
      return DnsStatus::Malformed;
    }
    const std::uint8_t* fixed = msg.data() + end;
    const std::uint16_t type = load_be16(fixed);
    const std::uint16_t rdlength = load_be16(fixed + 8);
    const std::size_t rdata_pos = end + 10;
    if (msg.size() - rdata_pos < rdlength) {
      anomaly = Anomaly::DnsTruncated;
      return DnsStatus::Malformed;
    }
    pos = rdata_pos + rdlength;
    if (type != kTypeA && type != kTypeAaaa && type != kTypeCname) continue;
    // Validate even records we cannot keep, so the verdict does not depend on kMaxAnswers.
    if (type == kTypeA && rdlength != 4) {
      anomaly = Anomaly::DnsBadRdata;
      return DnsStatus::Malformed;
    }
    if (type == kTypeAaaa && rdlength != 16) {
      anomaly = Anomaly::DnsBadRdata;
      return DnsStatus::Malformed;
    }
    // A kept record's owner text stays: names read later may be it.
    if (keep_slot && name.data() == buf) {
      free_text += name.size();
      known.remember_next(msg);
      buf = free_text;
    }
    std::string_view target;
    if (type == kTypeCname) {
      std::size_t target_end = 0;
      // The target may only use bytes of this rdata or earlier ones (pointers), never run past it.
      target = read_name(msg.first(pos), rdata_pos, buf, known, target_end, anomaly);
      if (target.data() == nullptr) {
        if (anomaly == Anomaly::DnsTruncated) anomaly = Anomaly::DnsBadRdata;
        return DnsStatus::Malformed;
      }
      if (target_end != pos) {
        anomaly = Anomaly::DnsBadRdata;
        return DnsStatus::Malformed;
      }
      if (keep_slot && target.data() == buf) {
        free_text += target.size();
        known.remember_next(msg);
      }
    }
    if (!keep_slot) {
      ++out.answers_dropped;
      continue;
    }
    DnsAnswer& rec = out.answers[kept++];
    rec.name = name;
    rec.type = type;
    rec.rr_class = load_be16(fixed + 2);
    rec.ttl = load_be32(fixed + 4);
    rec.target = target;
    // IpAddress::v4 writes all 16 bytes at once: resolve_chain() copies the address whole right after.
    const std::uint8_t* rdata = msg.data() + rdata_pos;
    rec.address = type == kTypeA ? IpAddress::v4(rdata) : type == kTypeAaaa ? IpAddress::v6(rdata) : IpAddress{};
  }
  out.answers_size = kept;
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
  // Kept in locals, not in `out`: stores of address bytes may alias its fields and would force them
  // to be reloaded after every copy.
  std::size_t count = 0;
  std::size_t hops = 0;
  std::string_view canonical = name;
  bool depth_exceeded = false;
  std::uint32_t min_ttl = UINT32_MAX;
  const auto answers = msg.answer_records();
  for (;;) {
    for (const auto& rec : answers) {
      if (rec.type == kTypeCname || !same_name(rec.name, canonical)) continue;
      if (count < out.addresses.size()) out.addresses[count++] = rec.address;
      min_ttl = std::min(min_ttl, rec.ttl);
    }
    if (count != 0) break;
    const DnsAnswer* next = nullptr;
    for (const auto& rec : answers) {
      if (rec.type == kTypeCname && same_name(rec.name, canonical)) {
        next = &rec;
        break;
      }
    }
    if (next == nullptr) break;
    if (hops == kMaxCnameDepth) {
      depth_exceeded = true;
      break;
    }
    ++hops;
    min_ttl = std::min(min_ttl, next->ttl);
    canonical = next->target;
  }
  out.addresses_size = count;
  out.cname_hops = hops;
  out.canonical = canonical;
  out.depth_exceeded = depth_exceeded;
  out.min_ttl = min_ttl == UINT32_MAX ? 0 : min_ttl;
  return count;
}

std::size_t resolve_chain(const DnsMessage& msg, ResolvedChain& out) {
  if (!msg.has_question) {
    out = ResolvedChain{};
    return 0;
  }
  return resolve_chain(msg, msg.question.name.view(), out);
}

}  // namespace minewatch::protocols::dns
