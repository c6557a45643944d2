// parse_message() and resolve_chain() against the reference parser (dns_parser_reference.hpp) on
// generated messages: random but shaped like DNS, so that most of them get deep into the parser.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "protocols/dns/dns_parser.hpp"
#include "protocols/dns/dns_parser_reference.hpp"

namespace minewatch::protocols {
namespace {

using dns::DnsStatus;
using Bytes = std::vector<std::uint8_t>;
using Labels = std::vector<std::string>;

std::string hex(const Bytes& b) {
  std::string out;
  char buf[4];
  for (std::uint8_t v : b) {
    std::snprintf(buf, sizeof buf, "%02x", v);
    out += buf;
  }
  return out;
}

// Builds one message: questions, then records whose owners and CNAME targets are drawn from the names
// already written (so chains connect, loop and branch) and written out, compressed, partly compressed,
// in another case or through bad pointers; rdata lengths and header counts are sometimes wrong.
class MessageGenerator {
 public:
  explicit MessageGenerator(std::uint32_t seed) : rng_(seed) {}

  Bytes next() {
    m_.clear();
    written_.clear();
    names_.clear();
    // Half the messages are well formed, so that errors do not hide what lies behind the first one.
    error_percent_ = chance(50) ? 0 : 1 + below(4);
    const std::size_t questions = pick({40, 50, 7, 3});  // 0..3
    const std::size_t records = chance(10) ? below(40) : below(8);
    put16(below(0x10000));
    put16(below(0x10000));
    put16(error(5) ? below(5) : questions);
    put16(error(5) ? below(records + 3) : records);
    put16(chance(20) ? below(3) : 0);
    put16(chance(20) ? below(3) : 0);
    for (std::size_t q = 0; q < questions; ++q) {
      names_.push_back(random_name());
      write_name(names_.back());
      put16(chance(80) ? dns::kTypeA : below(0x10000));
      put16(1);
    }
    for (std::size_t r = 0; r < records; ++r) record();
    if (chance(10)) {  // trailing bytes: authority, additional or junk
      for (std::size_t i = below(20); i > 0; --i) m_.push_back(byte());
    }
    if (error(10)) m_[below(m_.size())] = byte();
    if (error(3)) m_.resize(below(m_.size() + 1));
    return m_;
  }

 private:
  std::size_t below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool chance(std::size_t percent) { return below(100) < percent; }
  // A deliberate error: `percent` scaled by the message's error rate.
  bool error(std::size_t percent) { return below(400) < percent * error_percent_; }
  // An index drawn with the given weights.
  std::size_t pick(std::initializer_list<std::size_t> weights) {
    std::size_t total = 0;
    for (auto w : weights) total += w;
    std::size_t x = below(total), i = 0;
    for (auto w : weights) {
      if (x < w) return i;
      x -= w;
      ++i;
    }
    return i;
  }
  std::uint8_t byte() { return static_cast<std::uint8_t>(below(256)); }
  void put16(std::size_t v) {
    m_.push_back(static_cast<std::uint8_t>(v >> 8));
    m_.push_back(static_cast<std::uint8_t>(v));
  }
  void put32(std::size_t v) {
    put16((v >> 16) & 0xFFFF);
    put16(v & 0xFFFF);
  }

  std::string random_label() {
    static const char* const kWords[] = {"pool", "Pool", "POOL", "example", "EXAMPLE", "com", "net", "lb-eu-west-1",
                                         "a",    "b",    "x",    "www",     "p.o",     "a b", "?",   "xn--bcher-kva"};
    switch (pick({70, 10, 10, 10})) {
      case 0: return kWords[below(std::size(kWords))];
      case 1: {  // odd bytes: controls, DEL, non-ASCII, dots, upper case
        std::string s(1 + below(6), 'a');
        for (char& c : s) c = static_cast<char>(byte());
        return s;
      }
      case 2:  // long labels, to reach the 255-byte name limit
        return std::string(40 + below(24), static_cast<char>('a' + below(3)));
      default: {
        std::string s(1 + below(4), 'q');
        for (char& c : s) c = static_cast<char>('a' + below(3));
        return s;
      }
    }
  }
  Labels random_name() {
    if (chance(3)) {  // around the 255-byte limit
      Labels n(4 + below(2));
      for (auto& l : n) l = std::string(45 + below(19), 'z');
      return n;
    }
    Labels n(pick({5, 20, 35, 25, 10, 5}));
    for (auto& l : n) l = random_label();
    return n;
  }
  // The same name as the parser renders it, or in another case: both must compare equal.
  Labels recased(Labels n) {
    for (auto& l : n) {
      for (char& c : l) {
        if (chance(30) && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
    }
    return n;
  }

  // Writes `n` at the end: some labels written out, then a pointer to where the rest was written
  // before (when it was), or bad pointers and label types now and then. Or another name: some of its
  // labels, then a pointer to any name written before (to reach the limits through known names).
  void write_name(const Labels& n) {
    if (!written_.empty() && chance(5)) {
      const Written& to = written_[below(written_.size())];
      Labels spliced(n.begin(), n.begin() + static_cast<std::ptrdiff_t>(below(std::min<std::size_t>(n.size(), 3) + 1)));
      const Labels whole = [&] {
        Labels w = spliced;
        w.insert(w.end(), to.labels.begin(), to.labels.end());
        return w;
      }();
      for (std::size_t k = 0; k < spliced.size(); ++k) {
        written_.push_back({m_.size(), Labels(whole.begin() + static_cast<std::ptrdiff_t>(k), whole.end())});
        put_label(spliced[k]);
      }
      put16(0xC000 | (to.offset & 0x3FFF));
      return;
    }
    std::size_t k = 0;
    const bool compress = chance(80);
    for (;; ++k) {
      if (compress) {
        const Labels rest(n.begin() + static_cast<std::ptrdiff_t>(k), n.end());
        std::vector<std::size_t> at;
        for (const auto& w : written_) {
          if (w.labels == rest && w.offset <= 0x3FFF) at.push_back(w.offset);
        }
        if (!at.empty() && (k > 0 || chance(90))) {
          put16(0xC000 | at[below(at.size())]);
          break;
        }
      }
      if (error(1)) {  // a pointer anywhere: forward, to itself, into a label, a loop
        put16(0xC000 | (below(m_.size() + 8) & 0x3FFF));
        return;
      }
      if (error(1)) {  // an extended or reserved label type
        m_.push_back(static_cast<std::uint8_t>((chance(50) ? 0x40 : 0x80) | below(64)));
        return;
      }
      written_.push_back({m_.size(), Labels(n.begin() + static_cast<std::ptrdiff_t>(k), n.end())});
      if (k == n.size()) {
        m_.push_back(0);
        break;
      }
      put_label(n[k]);
    }
  }
  void put_label(const std::string& label) {
    const std::size_t len = std::min<std::size_t>(label.size(), 63);
    m_.push_back(static_cast<std::uint8_t>(len));
    m_.insert(m_.end(), label.begin(), label.begin() + static_cast<std::ptrdiff_t>(len));
  }
  // Names ending in ever longer chains of pointers, in rdata the parser skips: names pointing into it
  // reach the jump limit.
  void write_links() {
    const Written* base = written_.empty() ? nullptr : &written_[below(written_.size())];
    std::size_t prev = base ? base->offset : 0;
    Labels labels = base ? base->labels : Labels{};
    for (std::size_t i = 20 + below(20); i > 0; --i) {
      const std::size_t at = m_.size();
      labels.insert(labels.begin(), "l");
      written_.push_back({at, labels});
      put_label("l");
      put16(0xC000 | (prev & 0x3FFF));
      prev = at;
    }
    if (chance(50)) names_.push_back(labels);
  }

  // An owner or target: usually a name seen before (the question, the newest target, any), in any case.
  Labels some_name() {
    if (names_.empty() || chance(10)) return random_name();
    const Labels& n = names_[pick({30, 40, 30}) == 0 ? 0 : chance(57) ? names_.size() - 1 : below(names_.size())];
    return chance(10) ? recased(n) : n;
  }

  void record() {
    write_name(some_name());
    const std::size_t type = std::array<std::size_t, 6>{
        dns::kTypeA, dns::kTypeCname, dns::kTypeAaaa, 16, 15, 0}[pick({45, 20, 10, 10, 10, 5})];
    put16(type == 0 ? below(0x10000) : type);
    put16(chance(90) ? 1 : below(0x10000));
    put32(chance(80) ? 300 : below(0x100000000));
    const std::size_t rdlength_at = m_.size();
    put16(0);
    const std::size_t rdata_at = m_.size();
    if (type == 16 && chance(30)) {
      write_links();
    } else if (type == dns::kTypeCname || type == 15) {
      if (type == 15) put16(10);
      Labels target = some_name();
      if (type == dns::kTypeCname && chance(40)) {
        target = random_name();
        names_.push_back(target);
      }
      write_name(target);
    } else {
      std::size_t len = type == dns::kTypeA ? 4 : type == dns::kTypeAaaa ? 16 : below(12);
      if (error(3)) len = below(20);
      for (std::size_t i = 0; i < len; ++i) m_.push_back(chance(50) ? 203 : byte());
    }
    std::size_t rdlength = m_.size() - rdata_at;
    if (error(4)) {
      // Wrong on purpose: short of the rdata, or beyond it (running into the next record).
      rdlength = chance(50) ? below(rdlength + 1) : rdlength + 1 + below(3);
      if (rdlength > m_.size() - rdata_at && chance(50)) m_.resize(rdata_at + rdlength, 0);
    }
    m_[rdlength_at] = static_cast<std::uint8_t>(rdlength >> 8);
    m_[rdlength_at + 1] = static_cast<std::uint8_t>(rdlength);
  }

  struct Written {
    std::size_t offset;
    Labels labels;
  };
  std::mt19937 rng_;
  std::size_t error_percent_ = 0;
  Bytes m_;
  std::vector<Written> written_;  // every suffix of every name written out, where it starts
  std::vector<Labels> names_;     // the questions and the new CNAME targets
};

class DnsParserDiffTest : public ::testing::Test {
 protected:
  // What parse_message() and resolve_chain() decide differently from the reference for `wire` (see
  // reference::differences), counting what the messages exercised.
  std::string differences(const Bytes& wire) {
    std::string diff = dns::reference::differences(wire, msg, ref);
    Anomaly anomaly{};
    if (dns::parse_message(wire, msg, anomaly) == DnsStatus::Parsed) {
      ++parsed;
      dns::ResolvedChain chain;
      dns::resolve_chain(msg, chain);
      chains += chain.addresses_size > 0 && chain.cname_hops > 0;
      depth_exceeded += chain.depth_exceeded;
      dropped += msg.answers_dropped > 0;
    } else {
      ++anomalies[anomaly];
    }
    return diff;
  }
  dns::DnsMessage msg;
  dns::reference::DnsMessage ref;
  std::size_t parsed = 0, chains = 0, depth_exceeded = 0, dropped = 0;
  std::map<Anomaly, std::size_t> anomalies;
};

TEST_F(DnsParserDiffTest, DecidesGeneratedMessagesExactlyAsTheReference) {
  MessageGenerator gen(20240611);
  for (int i = 0; i < 100'000; ++i) {
    const Bytes m = gen.next();
    ASSERT_EQ(differences(m), "") << "message " << i << ": " << hex(m);
  }
  // The generator reaches every verdict and the interesting chains, or the comparison proves little.
  EXPECT_GT(parsed, 40'000u);
  EXPECT_GT(chains, 400u);
  EXPECT_GT(depth_exceeded, 500u);
  EXPECT_GT(dropped, 10u);
  for (Anomaly a : {Anomaly::DnsTruncated, Anomaly::DnsBadLabel, Anomaly::DnsNameTooLong, Anomaly::DnsBadPointer,
                    Anomaly::DnsBadRdata}) {
    EXPECT_GT(anomalies[a], 1'000u) << anomaly_name(a);
  }
}

TEST_F(DnsParserDiffTest, DecidesEveryTruncationAndByteChangeExactlyAsTheReference) {
  MessageGenerator gen(7);
  for (int i = 0; i < 200; ++i) {
    const Bytes m = gen.next();
    for (std::size_t len = 0; len <= m.size(); ++len) {
      const Bytes cut(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(len));
      ASSERT_EQ(differences(cut), "") << "message " << i << " cut to " << len << ": " << hex(m);
    }
    for (std::size_t at = 0; at < m.size(); ++at) {
      for (int v : {0x00, 0x01, 0x3F, 0x40, 0xC0, 0xFF}) {
        Bytes changed = m;
        changed[at] = static_cast<std::uint8_t>(v);
        ASSERT_EQ(differences(changed), "") << "message " << i << " byte " << at << " = " << v << ": " << hex(m);
      }
    }
  }
}

TEST_F(DnsParserDiffTest, ReadsAgainANameWhoseBytesRunPastTheRdataThatPointsToIt) {
  // The first owner is "b" then a pointer into the header, where arcount's low byte (63) starts a
  // label that runs over the records to the end, a root label or a pointer to one (qdcount's low
  // byte). The second owner, "c" and a pointer to the first, is read through it, so it too reaches the
  // end. The CNAME's target is a pointer to the second owner: read within the rdata, the label runs
  // past it (bad rdata), however often the name was read before with the whole message in view.
  for (const Bytes& last : {Bytes{0}, Bytes{0xC0, 5}}) {
    Bytes m = {0, 0, 0x81, 0x80, 0, 0, 0, 3, 0, 0, 0, 63};
    const Bytes a_record = {0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
    m.insert(m.end(), {1, 'b', 0xC0, 11});
    m.insert(m.end(), a_record.begin(), a_record.end());
    const auto second = static_cast<std::uint8_t>(m.size());
    m.insert(m.end(), {1, 'c', 0xC0, 12});
    m.insert(m.end(), a_record.begin(), a_record.end());
    m.insert(m.end(), {0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xC0, second});
    m.resize(12 + 63, 'x');
    m.insert(m.end(), last.begin(), last.end());
    ASSERT_EQ(differences(m), "") << hex(m);
  }
  EXPECT_EQ(anomalies[Anomaly::DnsBadRdata], 2u);
}

}  // namespace
}  // namespace minewatch::protocols
