#pragma once
// A capture file mapped whole and read-only, and the prefetching of a walk through it: both file
// readers (classic pcap, pcapng) walk their mapping in place, so frames point straight into it.
// A file truncated by another process while mapped raises SIGBUS, as with any mmap reader; captures
// still being written belong to the libpcap path.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "capture/frame_source.hpp"
#include "core/anomaly.hpp"
#include "core/prefetch.hpp"
#include "core/result.hpp"

namespace minewatch::capture {

class MappedFile {
 public:
  // Maps `path`, which must be a non-empty regular file. Errors name the file.
  [[nodiscard]] static Result<MappedFile> open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return {static_cast<const std::uint8_t*>(addr_), size_}; }
  [[nodiscard]] bool mapped() const { return addr_ != nullptr; }

 private:
  void* addr_ = nullptr;
  std::size_t size_ = 0;
};

// Warms the lines a walk reads next. A walk is a dependent chain (each record's length says where the
// next header is), so a header that is not in cache stalls it for a full memory latency.
class WalkPrefetch {
 public:
  // A step (step(), and the parallel pipeline's walkers): more lines than an average packet spans
  // (~9 in an ISP mix), so the prefetched window keeps its distance from the walk.
  static constexpr std::size_t kStepLines = 12;
  // Pages are mapped ahead of the walk this much at a time: each MADV_POPULATE_READ is a system call,
  // even over pages already mapped.
  static constexpr std::size_t kPopulateChunk = 16u << 20;
  // step(): far enough ahead that the lines arrive long before the walk needs them (the walk of a
  // 256-frame batch runs through ~140 KiB at once).
  static constexpr std::size_t kStepWindow = 256 * 1024;
  // near(): every line up to this far ahead of the read position, so that the headers and the packets
  // the decoder reads next arrive in time even when no consumer takes steps.
  static constexpr std::size_t kNearAhead = 4096;

  // `mapped`: the bytes are a file mapping whose pages may still need mapping in (else a buffer, all
  // present). `from`: where the walk starts.
  WalkPrefetch(std::span<const std::uint8_t> bytes, bool mapped, std::size_t from)
      : bytes_(bytes), prefetched_(from), populated_(mapped ? 0 : bytes.size()), can_populate_(mapped) {}

  // One step of the stream ahead of `pos`, mapping the pages ahead in kPopulateChunk steps first: a
  // prefetch of a page not yet mapped costs a page walk and is dropped. Runs once per packet.
  void step(std::size_t pos) {
    const std::size_t until = std::min(bytes_.size(), pos + kStepWindow);
    if (until > populated_ && !populate_to(until)) return;
    const std::uint8_t* p = bytes_.data() + prefetched_;
    if (prefetched_ + kStepLines * kCacheLineBytes <= until) {
      prefetch_lines<kStepLines>(p);  // the usual step
      prefetched_ += kStepLines * kCacheLineBytes;
      return;
    }
    for (; prefetched_ < until; prefetched_ += kCacheLineBytes, p += kCacheLineBytes) prefetch_line(p);
  }
  // Every line up to kNearAhead past `pos` not yet prefetched.
  void near(std::size_t pos) {
    for (const std::size_t until = std::min(bytes_.size(), pos + kNearAhead); prefetched_ < until;
         prefetched_ += kCacheLineBytes) {
      prefetch_line(bytes_.data() + prefetched_);
    }
  }
  // Maps the pages of [from, until) now when the bytes are a file mapping (MADV_POPULATE_READ).
  static void populate(std::span<const std::uint8_t> bytes, std::size_t from, std::size_t until);

 private:
  bool populate_to(std::size_t until);

  std::span<const std::uint8_t> bytes_;
  std::size_t prefetched_;  // cache lines below this offset have been prefetched
  std::size_t populated_;   // pages below this offset are mapped (a buffer: all of it)
  bool can_populate_;       // a mapping whose kernel takes MADV_POPULATE_READ
};

// What both file readers (classic pcap, pcapng) are besides their format: the bytes (a mapping they
// own, or a caller's buffer), the name their warnings start with, the walk's position and prefetch,
// and reading stopped by a warning. Frames point into the bytes, so they outlive the batch.
class MappedSource : public FrameSource {
 public:
  [[nodiscard]] const std::vector<std::string>& warnings() const override { return warnings_; }
  [[nodiscard]] std::uint64_t size_bytes() const override { return bytes_.size(); }
  [[nodiscard]] std::uint64_t position_bytes() const override { return pos_; }
  [[nodiscard]] bool frames_outlive_batch() const override { return true; }
  // Prefetches a few more cache lines of the next ~256 KiB, mapping the pages ahead in 16 MiB steps
  // first (MADV_POPULATE_READ): a prefetch of a page not yet mapped costs a page walk and is dropped.
  void prefetch_step() override { warm_.step(pos_); }
  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return bytes_; }
  // Reading stopped at damage (a warning says where), not at the end of the input.
  [[nodiscard]] bool stopped() const { return stopped_; }

  // Sections: the parallel pipeline's walkers each walk their own byte ranges of the file (decision
  // 0009, "Stop 20"; pcapng since stop 22).
  // Where the file's first record (pcap) or block (pcapng) starts.
  [[nodiscard]] virtual std::size_t data_start() const = 0;
  // A reader of the records that start at or after `from` and before `until`, over the same bytes
  // (which this reader keeps mapped), with its own anomalies, warnings and position. `from` must be a
  // record's start, or a guess at one (find_record) that the caller checks against where the walk of
  // the bytes before it ends (and with continues()). It starts in the state the walk of `after`
  // ended in, or without `after` in this reader's (pcapng: a section's byte order, its interfaces and
  // the last packet's time; a classic pcap's records carry all they need).
  [[nodiscard]] virtual std::unique_ptr<MappedSource> section(std::size_t from, std::size_t until,
                                                              AnomalyCounters& anomalies,
                                                              const MappedSource* after = nullptr) const = 0;
  // A guess at the first record that starts in [from, limit), or `limit` when there is none: the first
  // offset from which a chain of plausible records follows (see each format), or from which such a
  // chain ends exactly at the end of the file.
  [[nodiscard]] virtual std::size_t find_record(std::size_t from, std::size_t limit) const = 0;
  // Whether this section, started from a guess, read its records as a walk through `before` (the
  // section before it, walked) would have gone on to read them: it started in the state `before`
  // ended in, as far as its records used that state.
  [[nodiscard]] virtual bool continues(const MappedSource& before) const = 0;
  // A reader at this section's end, in the state a walk ends in that went through the bytes before it
  // (ending in the state of `before`, or without `before` in this section's start state) and then
  // through this section: the state the next section must start in.
  [[nodiscard]] virtual std::unique_ptr<MappedSource> ended_after(const MappedSource* before,
                                                                  AnomalyCounters& anomalies) const = 0;
  // The check of a section walked from a guess, once the walk of the sections before it is known: it
  // started where that walk ended (`expected`) and in the state it ended in (`before`, its
  // ended_after(); nullptr for the first section, which starts at data_start() in the file's own
  // state). A section of [.., end) in which no record starts holds whatever was guessed. If this is
  // false, the section must be walked again from `expected`, after `before`.
  [[nodiscard]] bool holds(std::size_t start, std::size_t expected, std::size_t end, const MappedSource* before) const {
    if (before == nullptr || (start >= end && expected >= end)) return true;
    return start == expected && continues(*before);
  }
  // Maps the pages of [from, until) now when the bytes are this reader's mapping (MADV_POPULATE_READ):
  // a prefetch of a page not yet mapped is dropped.
  void populate(std::size_t from, std::size_t until) const {
    if (file_.mapped()) WalkPrefetch::populate(bytes_, from, until);
  }
  // Takes a section's warnings and its end position as this reader's own: the parallel pipeline
  // hands back the sections it consumed, in file order.
  void absorb(const MappedSource& section) {
    warnings_.insert(warnings_.end(), section.warnings_.begin(), section.warnings_.end());
    pos_ = std::max(pos_, section.pos_);
    if (section.stopped_) {
      done_ = true;
      stopped_ = true;
    }
  }

 protected:
  MappedSource(std::span<const std::uint8_t> bytes, MappedFile file, std::string name, AnomalyCounters& anomalies)
      : file_(std::move(file)),
        bytes_(bytes),
        name_(std::move(name)),
        anomalies_(anomalies),
        warm_(bytes, file_.mapped(), 0) {}

  // A Reader over the mapped file at `path`, or over a caller's `bytes`, once its parse_header() accepts
  // the start (Reader befriends MappedSource for its constructor and parse_header).
  template <typename Reader>
  static Result<std::unique_ptr<Reader>> open_as(const std::string& path, AnomalyCounters& anomalies) {
    auto file = MappedFile::open(path);
    if (!file) return std::unexpected(std::move(file.error()));
    const std::span<const std::uint8_t> bytes = file->bytes();
    return started(std::unique_ptr<Reader>{new Reader(bytes, std::move(*file), path, anomalies)});
  }
  template <typename Reader>
  static Result<std::unique_ptr<Reader>> buffer_as(std::span<const std::uint8_t> bytes, std::string name,
                                                   AnomalyCounters& anomalies) {
    return started(std::unique_ptr<Reader>{new Reader(bytes, MappedFile{}, std::move(name), anomalies)});
  }

  // A section's reader starts at `from` and stops before records that start at or after `until`;
  // it walks the bytes of the reader it was made from, which keeps them mapped.
  void start_section(std::size_t from, std::size_t until) {
    pos_ = std::min(from, bytes_.size());
    until_ = until;
    warm_ = WalkPrefetch(bytes_, false, pos_);
  }

  // Counts the anomaly, keeps the warning (prefixed with the name) and ends reading here.
  void stop_with_warning(Anomaly anomaly, std::string message) {
    anomalies_.add(anomaly);
    warnings_.push_back(name_ + ": " + std::move(message));
    done_ = true;
    stopped_ = true;
  }

  MappedFile file_;  // the mapping of bytes_ when this reader owns one (not for a buffer or a section)
  std::span<const std::uint8_t> bytes_;
  std::string name_;
  AnomalyCounters& anomalies_;
  std::vector<std::string> warnings_;
  std::size_t pos_ = 0;
  std::size_t until_ = SIZE_MAX;  // a section: records start before this offset
  WalkPrefetch warm_;
  bool done_ = false;
  bool stopped_ = false;

 private:
  template <typename Reader>
  static Result<std::unique_ptr<Reader>> started(std::unique_ptr<Reader> reader) {
    if (auto ok = reader->parse_header(); !ok) return std::unexpected(ok.error());
    return reader;
  }
};

}  // namespace minewatch::capture
