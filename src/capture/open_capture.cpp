#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "capture/frame_source.hpp"
#include "capture/libpcap_reader.hpp"
#include "capture/pcap_file_reader.hpp"
#include "capture/pcapng_file_reader.hpp"

namespace minewatch::capture {
namespace {

template <typename Reader>
Result<std::unique_ptr<FrameSource>> as_source(Result<std::unique_ptr<Reader>> reader) {
  if (!reader) return std::unexpected(std::move(reader.error()));
  return std::unique_ptr<FrameSource>{std::move(*reader)};
}

}  // namespace

Result<std::unique_ptr<FrameSource>> open_capture(const std::string& path, AnomalyCounters& anomalies) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return make_error(path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return make_error(path + ": is a directory");
  if (S_ISREG(st.st_mode)) {
    if (st.st_size == 0) return make_error(path + ": empty file");
    if (static_cast<std::size_t>(st.st_size) < PcapFileReader::kFileHeaderBytes) {
      return make_error(path + ": too short for a capture file header (" + std::to_string(st.st_size) + " bytes)");
    }
    std::array<std::uint8_t, 4> magic{};
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(path + ": " + std::strerror(errno));
    const ssize_t got = ::read(fd, magic.data(), magic.size());
    ::close(fd);
    if (got == static_cast<ssize_t>(magic.size()) && PcapFileReader::is_classic_magic(magic)) {
      return as_source(PcapFileReader::open(path, anomalies));
    }
    if (got == static_cast<ssize_t>(magic.size()) && PcapngFileReader::is_pcapng_magic(magic)) {
      return as_source(PcapngFileReader::open(path, anomalies));
    }
  }
  // The odd pcap variants and pipes: libpcap decides (and names unknown formats).
  return as_source(LibpcapReader::open(path, anomalies));
}

Result<std::unique_ptr<FrameSource>> open_pcap_buffer(std::span<const std::uint8_t> bytes, std::string name,
                                                      AnomalyCounters& anomalies) {
  return as_source(PcapFileReader::from_buffer(bytes, std::move(name), anomalies));
}

}  // namespace minewatch::capture
