#pragma once
// pcapng (the format of Wireshark, dumpcap and tshark) read by walking an mmap'd file in place, as
// PcapFileReader does for classic pcap: frames point into the mapping and outlive the batch, and the
// parallel pipeline's threads each walk their own segments of the file (sections, below). Before,
// pcapng went through libpcap, which copies
// every block into its buffer (1 GiB mix, one thread, scripts/ab: 741 ms of CPU against 419 ms for this
// walk) and whose frames die with the next batch (the parallel reader waited for its workers after
// every batch; two threads 1346 against 398 ms of wall time: decision 0009, "Stop 21").
//
// Read: section header blocks (either byte order; sections may follow each other, each with its own
// interfaces), interface description blocks (link type, snaplen, if_tsresol in powers of 10 or 2,
// if_tsoffset), enhanced, simple and obsolete packet blocks. Every other block is skipped by its
// length. A block whose length is impossible (not a multiple of 4, shorter than its fields, or not
// repeated at its end), that runs past the end of the file, or a packet on an interface no block
// described, stops reading with a warning that names the byte offset; what came before is kept.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "capture/frame_source.hpp"
#include "capture/mapped_file.hpp"
#include "core/anomaly.hpp"
#include "core/result.hpp"

namespace minewatch::capture {

class PcapngFileReader final : public MappedSource {
 public:
  static constexpr std::uint32_t kSectionHeader = 0x0A0D0D0A;
  static constexpr std::uint32_t kInterfaceDescription = 0x00000001;
  static constexpr std::uint32_t kObsoletePacket = 0x00000002;
  static constexpr std::uint32_t kSimplePacket = 0x00000003;
  static constexpr std::uint32_t kEnhancedPacket = 0x00000006;
  static constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
  // Larger packets cannot come from any real capture (libpcap's own limit is 256 KiB).
  static constexpr std::uint32_t kMaxPacketBytes = 256 * 1024;

  // True when the first four bytes are a section header block's type.
  static bool is_pcapng_magic(std::span<const std::uint8_t> first_bytes);

  // Maps `path`. `anomalies` must outlive the reader.
  [[nodiscard]] static Result<std::unique_ptr<PcapngFileReader>> open(const std::string& path,
                                                                      AnomalyCounters& anomalies);
  // Reads a pcapng held in memory; `bytes` and `anomalies` must outlive the reader.
  [[nodiscard]] static Result<std::unique_ptr<PcapngFileReader>> from_buffer(std::span<const std::uint8_t> bytes,
                                                                             std::string name,
                                                                             AnomalyCounters& anomalies);

  std::size_t read_batch(std::span<Frame> out) override;

  // Interfaces of the current section, in the order their blocks came.
  struct Interface {
    std::uint32_t link_type = 0;
    std::uint32_t snaplen = 0;
    // Timestamps count units of 1 / units_per_second; if_tsoffset seconds are added.
    std::uint64_t units_per_second = 1'000'000;
    std::int64_t offset_seconds = 0;
    bool operator==(const Interface&) const = default;
  };
  [[nodiscard]] const std::vector<Interface>& interfaces() const { return state_.interfaces; }
  [[nodiscard]] bool byte_swapped() const { return state_.swapped; }

  // Sections (MappedSource). Blocks start at multiples of 4 (the file's first block is at 0 and
  // every length is a multiple of 4), and a block repeats its length at its end: a chain of
  // kResyncBlocks blocks whose lengths are repeated (and whose packet blocks name a known interface
  // and fit their captured bytes) essentially never starts inside a packet by chance. A guessed
  // section starts in the state of the file at its first packet, or of a later section's end (the
  // `after` given); continues() then checks what its blocks used of that state: the byte order,
  // the interfaces (for packet blocks before any section header) and the last packet's time (for a
  // leading simple packet block).
  [[nodiscard]] std::size_t data_start() const override { return 0; }
  [[nodiscard]] std::unique_ptr<MappedSource> section(std::size_t from, std::size_t until, AnomalyCounters& anomalies,
                                                      const MappedSource* after = nullptr) const override;
  static constexpr std::size_t kResyncBlocks = 8;
  [[nodiscard]] std::size_t find_record(std::size_t from, std::size_t limit) const override;
  [[nodiscard]] bool continues(const MappedSource& before) const override;
  [[nodiscard]] std::unique_ptr<MappedSource> ended_after(const MappedSource* before,
                                                          AnomalyCounters& anomalies) const override;

 private:
  friend class MappedSource;
  PcapngFileReader(std::span<const std::uint8_t> bytes, MappedFile file, std::string name, AnomalyCounters& anomalies)
      : MappedSource(bytes, std::move(file), std::move(name), anomalies) {}
  // The file must start with a section header block whose byte-order magic reads.
  [[nodiscard]] Result<void> parse_header() const;
  [[nodiscard]] std::uint32_t u32_at(const std::uint8_t* p) const;
  [[nodiscard]] std::uint16_t u16_at(const std::uint8_t* p) const;
  // Handle the block at pos_ of `length` bytes; section_header is false when reading stops.
  bool section_header(const std::uint8_t* b, std::uint32_t length);
  void interface_description(const std::uint8_t* b, std::uint32_t length);
  [[nodiscard]] static Timestamp timestamp(const Interface& ifc, std::uint64_t units);

  // What a walk carries from block to block.
  struct State {
    bool swapped = false;
    std::vector<Interface> interfaces;
    Timestamp last_ts{};  // a simple packet block's (it carries none)
  };
  // The state at the file's first packet block (its leading section header and interface blocks).
  [[nodiscard]] State first_packet_state() const;
  // A section starts in `st`.
  void start_in(const State& st);

  State state_;
  // A section: the state it started in, and what of it its blocks used before they replaced it.
  State start_;
  bool own_section_ = false;      // read a section header block: order and interfaces are its own since
  bool used_order_ = false;       // read a block before any section header
  bool used_interfaces_ = false;  // read a packet block before any section header
  bool own_time_ = false;         // read a packet block that carries a time
  bool used_time_ = false;        // read a simple packet block before any such
};

}  // namespace minewatch::capture
