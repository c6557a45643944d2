#include "capture/pcapng_file_reader.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <utility>

namespace minewatch::capture {
namespace {

constexpr std::size_t kBlockHeaderBytes = 8;  // type, total length
constexpr std::size_t kBlockMinBytes = 12;    // ... and the total length again at the end
// Enhanced / obsolete packet block: interface, timestamp (2 words), captured and original length.
constexpr std::size_t kPacketFieldsBytes = 20;
constexpr std::size_t kSimpleFieldsBytes = 4;     // original length
constexpr std::size_t kInterfaceFieldsBytes = 8;  // link type, reserved, snaplen
constexpr std::uint16_t kOptEnd = 0, kOptTsResol = 9, kOptTsOffset = 14;
constexpr std::uint64_t kMicro = 1'000'000, kNano = 1'000'000'000;

std::uint32_t load_u32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string offset_text(std::size_t pos) { return "byte offset " + std::to_string(pos); }

}  // namespace

bool PcapngFileReader::is_pcapng_magic(std::span<const std::uint8_t> first_bytes) {
  return first_bytes.size() >= 4 && load_u32(first_bytes.data()) == kSectionHeader;
}

Result<std::unique_ptr<PcapngFileReader>> PcapngFileReader::open(const std::string& path, AnomalyCounters& anomalies) {
  return open_as<PcapngFileReader>(path, anomalies);
}

Result<std::unique_ptr<PcapngFileReader>> PcapngFileReader::from_buffer(std::span<const std::uint8_t> bytes,
                                                                        std::string name, AnomalyCounters& anomalies) {
  return buffer_as<PcapngFileReader>(bytes, std::move(name), anomalies);
}

Result<void> PcapngFileReader::parse_header() const {
  if (bytes_.empty()) return make_error(name_ + ": empty file");
  if (!is_pcapng_magic(bytes_)) {
    char hex[16] = "?";
    if (bytes_.size() >= 4) std::snprintf(hex, sizeof hex, "%08x", __builtin_bswap32(load_u32(bytes_.data())));
    return make_error(name_ + ": not a pcapng file (it does not start with a section header block; first bytes " + hex +
                      ")");
  }
  const std::uint32_t bom = bytes_.size() >= kBlockMinBytes ? load_u32(bytes_.data() + kBlockHeaderBytes) : 0;
  if (bom != kByteOrderMagic && bom != __builtin_bswap32(kByteOrderMagic)) {
    return make_error(name_ + ": not a pcapng file (its section header block has no byte-order magic)");
  }
  return {};
}

std::uint32_t PcapngFileReader::u32_at(const std::uint8_t* p) const {
  const std::uint32_t v = load_u32(p);
  return state_.swapped ? __builtin_bswap32(v) : v;
}

std::uint16_t PcapngFileReader::u16_at(const std::uint8_t* p) const {
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return state_.swapped ? __builtin_bswap16(v) : v;
}

bool PcapngFileReader::section_header(const std::uint8_t* b, std::uint32_t length) {
  // The byte order was taken from this block's magic before its length was read.
  if (length < kBlockMinBytes + 16) {
    stop_with_warning(Anomaly::CaptureBadRecordLength, "section header block of " + std::to_string(length) +
                                                           " bytes at " + offset_text(pos_) + "; reading stopped");
    return false;
  }
  const std::uint16_t major = u16_at(b + 12);
  if (major != 1) {
    stop_with_warning(Anomaly::CaptureBadRecordLength, "pcapng section version " + std::to_string(major) + "." +
                                                           std::to_string(u16_at(b + 14)) + " at " + offset_text(pos_) +
                                                           " is not 1.x; reading stopped");
    return false;
  }
  state_.interfaces.clear();  // a new section describes its own interfaces
  return true;
}

void PcapngFileReader::interface_description(const std::uint8_t* b, std::uint32_t length) {
  Interface ifc;
  ifc.link_type = u16_at(b + kBlockHeaderBytes);
  ifc.snaplen = u32_at(b + kBlockHeaderBytes + 4);
  // Options: code, length, value padded to 4 bytes; a malformed list keeps what it said so far.
  const std::uint8_t* p = b + kBlockHeaderBytes + kInterfaceFieldsBytes;
  const std::uint8_t* const end = b + length - 4;
  while (end - p >= 4) {
    const std::uint16_t code = u16_at(p), size = u16_at(p + 2);
    const std::size_t padded = (std::size_t{size} + 3) & ~std::size_t{3};
    if (code == kOptEnd || static_cast<std::size_t>(end - p - 4) < padded) break;
    const std::uint8_t* v = p + 4;
    if (code == kOptTsResol && size >= 1) {
      const std::uint8_t r = v[0];
      const unsigned exp = r & 0x7fu;
      if (r & 0x80u) {
        if (exp < 64) ifc.units_per_second = std::uint64_t{1} << exp;
      } else if (exp <= 19) {
        std::uint64_t ups = 1;
        for (unsigned i = 0; i < exp; ++i) ups *= 10;
        ifc.units_per_second = ups;
      }
    } else if (code == kOptTsOffset && size >= 8) {
      std::uint64_t raw;  // signed seconds, in the section's byte order
      std::memcpy(&raw, v, sizeof raw);
      const std::uint64_t off = state_.swapped ? __builtin_bswap64(raw) : raw;
      ifc.offset_seconds = std::clamp(static_cast<std::int64_t>(off), -Timestamp::kMaxSeconds, Timestamp::kMaxSeconds);
    }
    p += 4 + padded;
  }
  state_.interfaces.push_back(ifc);
}

Timestamp PcapngFileReader::timestamp(const Interface& ifc, std::uint64_t units) {
  std::uint64_t sec, nsec;
  if (ifc.units_per_second == kMicro) {  // the usual resolutions divide by constants
    sec = units / kMicro;
    nsec = units % kMicro * 1000;
  } else if (ifc.units_per_second == kNano) {
    sec = units / kNano;
    nsec = units % kNano;
  } else {
    sec = units / ifc.units_per_second;
    __extension__ using Wide = unsigned __int128;  // frac * 10^9 overflows 64 bits above ~1.8e10 units/s
    nsec = static_cast<std::uint64_t>(Wide{units % ifc.units_per_second} * kNano / ifc.units_per_second);
  }
  const auto max = static_cast<std::uint64_t>(Timestamp::kMaxSeconds);
  const std::int64_t s = std::clamp(static_cast<std::int64_t>(std::min(sec, max)) + ifc.offset_seconds,
                                    -Timestamp::kMaxSeconds, Timestamp::kMaxSeconds);
  return Timestamp::from_parts(s, static_cast<std::int64_t>(nsec));
}

std::size_t PcapngFileReader::read_batch(std::span<Frame> out) {
  const std::uint8_t* const base = bytes_.data();
  const std::size_t size = bytes_.size();
  std::size_t n = 0;
  while (n < out.size() && !done_) {
    const std::size_t remaining = size - pos_;
    if (remaining == 0 || pos_ >= until_) {
      done_ = true;
      break;
    }
    if (remaining < kBlockMinBytes) {
      stop_with_warning(Anomaly::CaptureTruncatedRecord, "truncated block header at " + offset_text(pos_) + " (" +
                                                             std::to_string(remaining) + " of 12 bytes)");
      break;
    }
    warm_.near(pos_);
    const std::uint8_t* b = base + pos_;
    const std::uint32_t type = u32_at(b);  // a section header's type reads the same in both orders
    if (type == kSectionHeader) {
      const std::uint32_t bom = load_u32(b + kBlockHeaderBytes);
      if (bom != kByteOrderMagic && bom != __builtin_bswap32(kByteOrderMagic)) {
        stop_with_warning(Anomaly::CaptureBadRecordLength,
                          "section header block at " + offset_text(pos_) + " has no byte-order magic; reading stopped");
        break;
      }
      state_.swapped = bom != kByteOrderMagic;
    }
    const std::uint32_t length = u32_at(b + 4);
    if (length < kBlockMinBytes || length % 4 != 0) {
      stop_with_warning(Anomaly::CaptureBadRecordLength, "corrupt block length " + std::to_string(length) + " at " +
                                                             offset_text(pos_) + "; reading stopped");
      break;
    }
    if (length > remaining) {
      stop_with_warning(Anomaly::CaptureTruncatedRecord, "truncated block at " + offset_text(pos_) + " (" +
                                                             std::to_string(remaining) + " of " +
                                                             std::to_string(length) + " bytes)");
      break;
    }
    if (u32_at(b + length - 4) != length) {
      stop_with_warning(Anomaly::CaptureBadRecordLength, "block length " + std::to_string(length) + " at " +
                                                             offset_text(pos_) +
                                                             " is not repeated at the block's end; reading stopped");
      break;
    }
    if (type != kSectionHeader && !own_section_) used_order_ = true;
    const std::uint32_t body = length - static_cast<std::uint32_t>(kBlockMinBytes);
    std::uint32_t iface = 0, caplen = 0, wire = 0;
    const std::uint8_t* data = nullptr;
    Timestamp ts{};
    bool packet = false;
    if (type == kEnhancedPacket || type == kObsoletePacket) {
      if (body < kPacketFieldsBytes) {
        stop_with_warning(Anomaly::CaptureBadRecordLength, "packet block of " + std::to_string(length) + " bytes at " +
                                                               offset_text(pos_) + "; reading stopped");
        break;
      }
      iface = type == kEnhancedPacket ? u32_at(b + 8) : u16_at(b + 8);
      caplen = u32_at(b + 20);
      wire = u32_at(b + 24);
      if (caplen > body - kPacketFieldsBytes || caplen > kMaxPacketBytes) {
        stop_with_warning(Anomaly::CaptureBadRecordLength, "corrupt captured length " + std::to_string(caplen) +
                                                               " in the packet block at " + offset_text(pos_) +
                                                               "; reading stopped");
        break;
      }
      if (!own_section_) used_interfaces_ = true;  // also when it names none of them
      if (iface >= state_.interfaces.size()) {
        stop_with_warning(Anomaly::CaptureBadRecordLength, "packet block at " + offset_text(pos_) +
                                                               " names interface " + std::to_string(iface) +
                                                               ", which no block described; reading stopped");
        break;
      }
      const std::uint64_t units = std::uint64_t{u32_at(b + 12)} << 32 | u32_at(b + 16);
      ts = timestamp(state_.interfaces[iface], units);
      data = b + kBlockHeaderBytes + kPacketFieldsBytes;
      packet = true;
      own_time_ = true;
    } else if (type == kSimplePacket) {
      if (!own_section_) used_interfaces_ = true;
      if (body < kSimpleFieldsBytes || state_.interfaces.empty()) {
        stop_with_warning(Anomaly::CaptureBadRecordLength,
                          "simple packet block at " + offset_text(pos_) +
                              (state_.interfaces.empty() ? " before any interface block" : " too short") +
                              "; reading stopped");
        break;
      }
      wire = u32_at(b + 8);
      caplen = std::min<std::uint32_t>(wire, body - static_cast<std::uint32_t>(kSimpleFieldsBytes));
      if (state_.interfaces[0].snaplen != 0) caplen = std::min(caplen, state_.interfaces[0].snaplen);
      caplen = std::min(caplen, kMaxPacketBytes);
      // It carries no time: it keeps the time of the packet before it.
      ts = state_.last_ts;
      if (!own_time_) used_time_ = true;
      data = b + kBlockHeaderBytes + kSimpleFieldsBytes;
      packet = true;
    } else if (type == kSectionHeader) {
      if (!section_header(b, length)) break;
      own_section_ = true;
    } else if (type == kInterfaceDescription) {
      if (body < kInterfaceFieldsBytes) {
        stop_with_warning(Anomaly::CaptureBadRecordLength, "interface block of " + std::to_string(length) +
                                                               " bytes at " + offset_text(pos_) + "; reading stopped");
        break;
      }
      interface_description(b, length);
    }
    if (packet) {
      const Interface& ifc = state_.interfaces[iface];
      if (caplen > ifc.snaplen && ifc.snaplen != 0) anomalies_.add(Anomaly::CaptureSnaplenExceeded);
      Frame& f = out[n++];
      f.ts = ts;
      state_.last_ts = ts;
      f.link_type = ifc.link_type;
      f.wire_len = std::max(wire, caplen);
      f.data = {data, caplen};
    }
    pos_ += length;
  }
  return n;
}

void PcapngFileReader::start_in(const State& st) {
  state_ = st;
  start_ = st;
  own_section_ = used_order_ = used_interfaces_ = own_time_ = used_time_ = false;
}

PcapngFileReader::State PcapngFileReader::first_packet_state() const {
  // The walk of the file's leading blocks up to its first packet (warnings are the real walk's).
  AnomalyCounters ignored;
  PcapngFileReader lead(bytes_, MappedFile{}, name_, ignored);
  std::array<Frame, 1> first;
  (void)lead.read_batch(first);
  State st = lead.state_;
  st.last_ts = Timestamp{};  // as a walk from the start has it before its first timed packet
  return st;
}

std::unique_ptr<MappedSource> PcapngFileReader::section(std::size_t from, std::size_t until, AnomalyCounters& anomalies,
                                                        const MappedSource* after) const {
  std::unique_ptr<PcapngFileReader> s{new PcapngFileReader(bytes_, MappedFile{}, name_, anomalies)};
  // Sections are only ever made from readers of the same file, so `after` is one of ours.
  s->start_in(after != nullptr ? static_cast<const PcapngFileReader*>(after)->state_ : first_packet_state());
  s->start_section(from, until);
  return s;
}

bool PcapngFileReader::continues(const MappedSource& before) const {
  const auto& b = static_cast<const PcapngFileReader&>(before);
  if (used_order_ && b.state_.swapped != start_.swapped) return false;
  if (used_interfaces_ && b.state_.interfaces != start_.interfaces) return false;
  return !used_time_ || b.state_.last_ts == start_.last_ts;
}

std::unique_ptr<MappedSource> PcapngFileReader::ended_after(const MappedSource* before,
                                                            AnomalyCounters& anomalies) const {
  State end = before != nullptr ? static_cast<const PcapngFileReader*>(before)->state_ : start_;
  if (own_section_) {
    end.swapped = state_.swapped;
    end.interfaces = state_.interfaces;
  } else {  // the interface blocks this section added to those it started with
    end.interfaces.insert(end.interfaces.end(),
                          state_.interfaces.begin() + static_cast<std::ptrdiff_t>(start_.interfaces.size()),
                          state_.interfaces.end());
  }
  if (own_time_) end.last_ts = state_.last_ts;
  std::unique_ptr<PcapngFileReader> s{new PcapngFileReader(bytes_, MappedFile{}, name_, anomalies)};
  s->start_in(end);
  s->start_section(pos_, pos_);
  return s;
}

std::size_t PcapngFileReader::find_record(std::size_t from, std::size_t limit) const {
  const std::uint8_t* const base = bytes_.data();
  const std::size_t size = bytes_.size();
  limit = std::min(limit, size);
  // The chain keeps its own byte order and interface count: a section header in it changes both.
  struct Chain {
    bool swapped;
    std::size_t interfaces;
  };
  auto u32 = [&](const Chain& c, std::size_t at) {
    const std::uint32_t v = load_u32(base + at);
    return c.swapped ? __builtin_bswap32(v) : v;
  };
  // The length of a plausible block at q in the chain's state (which it updates), or 0.
  auto plausible = [&](std::size_t q, Chain& c) -> std::uint32_t {
    if (size - q < kBlockMinBytes) return 0;
    const std::uint32_t type = u32(c, q);
    Chain next = c;
    if (type == kSectionHeader) {
      const std::uint32_t bom = load_u32(base + q + kBlockHeaderBytes);
      if (bom != kByteOrderMagic && bom != __builtin_bswap32(kByteOrderMagic)) return 0;
      next = Chain{bom != kByteOrderMagic, 0};
    }
    const std::uint32_t length = u32(next, q + 4);
    if (length < kBlockMinBytes || length % 4 != 0 || length > size - q || u32(next, q + length - 4) != length)
      return 0;
    if (type == kEnhancedPacket) {
      if (length < kBlockMinBytes + kPacketFieldsBytes) return 0;
      const std::uint32_t caplen = u32(next, q + 20);
      if (u32(next, q + 8) >= next.interfaces || caplen > kMaxPacketBytes ||
          caplen > length - kBlockMinBytes - kPacketFieldsBytes)
        return 0;
    } else if (type == kInterfaceDescription) {
      ++next.interfaces;
    }
    c = next;
    return length;
  };
  for (std::size_t p = (from + 3) & ~std::size_t{3}; p < limit && size - p >= kBlockMinBytes; p += 4) {
    Chain c{state_.swapped, state_.interfaces.size()};
    std::size_t q = p, chained = 0;
    while (chained < kResyncBlocks && q < size) {
      const std::uint32_t length = plausible(q, c);
      if (length == 0) break;
      q += length;
      ++chained;
    }
    if (chained == kResyncBlocks || (chained > 0 && q == size)) return p;
  }
  return limit;
}

}  // namespace minewatch::capture
