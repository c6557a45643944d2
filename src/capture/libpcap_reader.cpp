#include "capture/libpcap_reader.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>

namespace minewatch::capture {
namespace {

// pcap_datalink() answers in DLT_* values; the decoder speaks LINKTYPE_* (what files store). They
// differ only for raw IP, whose DLT value is platform dependent.
std::uint32_t to_linktype(int dlt) {
  if (dlt == DLT_RAW) return static_cast<std::uint32_t>(LinkType::Raw);
  return static_cast<std::uint32_t>(dlt);
}

}  // namespace

LibpcapReader::LibpcapReader(pcap_t* pcap, std::string path, std::uint64_t size, AnomalyCounters& anomalies)
    : pcap_(pcap),
      path_(std::move(path)),
      size_(size),
      anomalies_(anomalies),
      arena_(kArenaBytes),
      link_type_(to_linktype(pcap_datalink(pcap))) {}

LibpcapReader::~LibpcapReader() { pcap_close(pcap_); }

Result<std::unique_ptr<LibpcapReader>> LibpcapReader::open(const std::string& path, AnomalyCounters& anomalies) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (pcap == nullptr) return make_error(path + ": cannot read as a capture: " + errbuf);
  struct stat st {};
  const std::uint64_t size =
      ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
  return std::unique_ptr<LibpcapReader>{new LibpcapReader(pcap, path, size, anomalies)};
}

std::uint64_t LibpcapReader::position_bytes() const {
  if (done_) return size_;
  FILE* file = pcap_file(pcap_);
  if (file == nullptr) return 0;
  const long pos = std::ftell(file);
  return pos < 0 ? 0 : static_cast<std::uint64_t>(pos);
}

bool LibpcapReader::append_pending(Frame& frame) {
  // libpcap never returns more than its maximum snapshot length (256 KiB), but a hostile file
  // must not be able to overrun the arena whatever libpcap does: clip to what fits.
  const std::size_t caplen = std::min<std::size_t>(pending_header_->caplen, arena_.size());
  if (arena_used_ + caplen > arena_.size()) return false;
  std::memcpy(arena_.data() + arena_used_, pending_data_, caplen);
  frame.ts = Timestamp::from_parts(pending_header_->ts.tv_sec, pending_header_->ts.tv_usec);  // ns precision
  frame.link_type = link_type_;
  frame.wire_len = std::max<std::uint32_t>(pending_header_->len, static_cast<std::uint32_t>(caplen));
  frame.data = {arena_.data() + arena_used_, caplen};
  arena_used_ += caplen;
  pending_header_ = nullptr;
  pending_data_ = nullptr;
  ++frames_read_;
  return true;
}

std::size_t LibpcapReader::read_batch(std::span<Frame> out) {
  arena_used_ = 0;  // the previous batch's frames are released by this call
  std::size_t n = 0;
  while (n < out.size()) {
    if (pending_header_ != nullptr) {
      if (!append_pending(out[n])) break;  // arena full: this packet opens the next batch
      ++n;
      continue;
    }
    if (done_) break;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(pcap_, &header, &data);
    if (rc == 1) {
      pending_header_ = header;
      pending_data_ = data;
      continue;
    }
    done_ = true;
    if (rc == PCAP_ERROR) {
      // Typically a truncated or corrupt block; what was read before it stands.
      anomalies_.add(Anomaly::CaptureReadError);
      warnings_.push_back(path_ + ": " + pcap_geterr(pcap_) + " (after " + std::to_string(frames_read_) +
                          " frames, near byte offset " + std::to_string(position_bytes()) + "); reading stopped");
    }
  }
  return n;
}

}  // namespace minewatch::capture
