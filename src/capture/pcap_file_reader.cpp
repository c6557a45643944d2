#include "capture/pcap_file_reader.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>

#include "core/prefetch.hpp"

namespace minewatch::capture {
namespace {

constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kMagicNano = 0xa1b23c4d;

std::uint32_t load_u32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

bool PcapFileReader::is_classic_magic(std::span<const std::uint8_t> first_bytes) {
  if (first_bytes.size() < 4) return false;
  const std::uint32_t m = load_u32(first_bytes.data());
  return m == kMagicMicro || m == kMagicNano || m == __builtin_bswap32(kMagicMicro) ||
         m == __builtin_bswap32(kMagicNano);
}

PcapFileReader::~PcapFileReader() = default;

Result<std::unique_ptr<PcapFileReader>> PcapFileReader::open(const std::string& path, AnomalyCounters& anomalies) {
  return open_as<PcapFileReader>(path, anomalies);
}

Result<std::unique_ptr<PcapFileReader>> PcapFileReader::from_buffer(std::span<const std::uint8_t> bytes,
                                                                    std::string name, AnomalyCounters& anomalies) {
  return buffer_as<PcapFileReader>(bytes, std::move(name), anomalies);
}

Result<void> PcapFileReader::parse_header() {
  if (bytes_.empty()) return make_error(name_ + ": empty file");
  if (bytes_.size() < kFileHeaderBytes) {
    return make_error(name_ + ": too short for a pcap header (" + std::to_string(bytes_.size()) + " of " +
                      std::to_string(kFileHeaderBytes) + " bytes)");
  }
  const std::uint32_t magic = load_u32(bytes_.data());
  if (magic == kMagicMicro || magic == kMagicNano) {
    swapped_ = false;
  } else if (magic == __builtin_bswap32(kMagicMicro) || magic == __builtin_bswap32(kMagicNano)) {
    swapped_ = true;
  } else {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%08x", __builtin_bswap32(magic));
    return make_error(name_ + ": not a classic pcap file (magic bytes " + hex + ")");
  }
  nanoseconds_ = u32_at(bytes_.data()) == kMagicNano;
  snaplen_ = u32_at(bytes_.data() + 16);
  // The upper bits of the link-type field carry FCS length flags (pcap format, section 7).
  link_type_ = u32_at(bytes_.data() + 20) & 0xFFFF;
  pos_ = kFileHeaderBytes;
  return {};
}

std::uint32_t PcapFileReader::u32_at(const std::uint8_t* p) const {
  const std::uint32_t v = load_u32(p);
  return swapped_ ? __builtin_bswap32(v) : v;
}

std::unique_ptr<MappedSource> PcapFileReader::section(std::size_t from, std::size_t until, AnomalyCounters& anomalies,
                                                      const MappedSource*) const {
  std::unique_ptr<PcapFileReader> s{new PcapFileReader(bytes_, MappedFile{}, name_, anomalies)};
  s->link_type_ = link_type_;
  s->snaplen_ = snaplen_;
  s->swapped_ = swapped_;
  s->nanoseconds_ = nanoseconds_;
  s->start_section(from, until);
  return s;
}

std::size_t PcapFileReader::find_record(std::size_t from, std::size_t limit) const {
  const std::uint8_t* const base = bytes_.data();
  const std::size_t size = bytes_.size();
  const std::uint64_t length_limit = std::min<std::uint64_t>(
      kMaxRecordBytes, snaplen_ == 0 ? kMaxRecordBytes : std::uint64_t{snaplen_} + kSnaplenSlack);
  const std::uint32_t frac_limit = nanoseconds_ ? 1'000'000'000u : 1'000'000u;
  constexpr std::int64_t kHour = 3600, kYear = 366 * 24 * 3600;
  // The file's first record is where every walk starts: its timestamp anchors the plausible range.
  const bool anchored = size >= kFileHeaderBytes + kRecordHeaderBytes;
  const std::int64_t first_sec = anchored ? std::int64_t{u32_at(base + kFileHeaderBytes)} : 0;
  // The header at p is plausible after a record of time `prev_sec` (< 0: none yet).
  auto plausible = [&](std::size_t p, std::int64_t prev_sec) {
    const std::uint8_t* h = base + p;
    const std::uint32_t incl = u32_at(h + 8), orig = u32_at(h + 12);
    if (incl > length_limit || orig < incl || orig > kMaxRecordBytes || u32_at(h + 4) >= frac_limit) return false;
    if (size - p - kRecordHeaderBytes < incl) return false;
    const std::int64_t sec = u32_at(h);
    if (anchored && (sec < first_sec - kYear || sec > first_sec + kYear)) return false;
    return prev_sec < 0 || (sec >= prev_sec - kHour && sec <= prev_sec + kHour);
  };
  limit = std::min(limit, size);
  for (std::size_t p = from; p < limit && size - p >= kRecordHeaderBytes; ++p) {
    std::size_t q = p;
    std::int64_t prev = -1;
    std::size_t chained = 0;
    while (chained < kResyncRecords && size - q >= kRecordHeaderBytes && plausible(q, prev)) {
      prev = u32_at(base + q);
      q += kRecordHeaderBytes + u32_at(base + q + 8);
      ++chained;
    }
    if (chained == kResyncRecords || (chained > 0 && q == size)) return p;
  }
  return limit;
}

std::size_t PcapFileReader::read_batch(std::span<Frame> out) {
  const std::uint8_t* const base = bytes_.data();
  const std::size_t size = bytes_.size();
  const std::uint64_t length_limit = std::min<std::uint64_t>(
      kMaxRecordBytes, snaplen_ == 0 ? kMaxRecordBytes : std::uint64_t{snaplen_} + kSnaplenSlack);
  const std::int64_t frac_to_ns = nanoseconds_ ? 1 : 1000;
  std::size_t n = 0;
  while (n < out.size() && !done_) {
    if (pos_ >= until_) {
      done_ = true;
      break;
    }
    const std::size_t remaining = size - pos_;
    if (remaining == 0) {
      done_ = true;
      break;
    }
    if (remaining < kRecordHeaderBytes) {
      stop_with_warning(Anomaly::CaptureTruncatedRecord, "truncated record header at byte offset " +
                                                             std::to_string(pos_) + " (" + std::to_string(remaining) +
                                                             " of 16 bytes)");
      break;
    }
    const std::uint8_t* h = base + pos_;
    warm_.near(pos_);
    const std::uint32_t incl_len = u32_at(h + 8);
    if (incl_len > length_limit) {
      stop_with_warning(Anomaly::CaptureBadRecordLength, "corrupt record length " + std::to_string(incl_len) +
                                                             " at byte offset " + std::to_string(pos_) + " (snaplen " +
                                                             std::to_string(snaplen_) + "); reading stopped");
      break;
    }
    if (remaining - kRecordHeaderBytes < incl_len) {
      stop_with_warning(Anomaly::CaptureTruncatedRecord, "truncated record at byte offset " + std::to_string(pos_) +
                                                             " (" + std::to_string(remaining - kRecordHeaderBytes) +
                                                             " of " + std::to_string(incl_len) + " data bytes)");
      break;
    }
    if (incl_len > snaplen_ && snaplen_ != 0) anomalies_.add(Anomaly::CaptureSnaplenExceeded);
    const std::uint32_t orig_len = u32_at(h + 12);
    Frame& f = out[n++];
    f.ts = Timestamp::from_parts(u32_at(h), std::int64_t{u32_at(h + 4)} * frac_to_ns);
    f.link_type = link_type_;
    f.wire_len = std::max(orig_len, incl_len);
    f.data = {h + kRecordHeaderBytes, incl_len};
    pos_ += kRecordHeaderBytes + incl_len;
  }
  return n;
}

}  // namespace minewatch::capture
