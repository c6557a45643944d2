#include "app/flow_scores.hpp"

#include <fmt/format.h>

#include <ctime>
#include <string>

namespace minewatch::app {

namespace {

// Milliseconds since the epoch as CESNET writes times: 2021-12-14T16:45:41.773000 (UTC).
std::string cesnet_time(std::int64_t ms) {
  std::int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  auto t = static_cast<std::time_t>(sec);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms - sec * 1000);
}

}  // namespace

FlowScoreCsv::FlowScoreCsv(std::FILE* out) : out_(out) {
  fmt::print(out_,
             "ipaddr SRC_IP,ipaddr DST_IP,uint16 SRC_PORT,uint16 DST_PORT,uint32 PACKETS,uint32 PACKETS_REV,"
             "string LABEL,int8* PPI_PKT_DIRECTIONS,uint16* PPI_PKT_LENGTHS,time* PPI_PKT_TIMES,double SCORE\n");
}

void FlowScoreCsv::on_flow_scored(const detect::ScoredFlow& f) {
  const model::FlowSample& s = *f.sample;
  std::string dirs = "[", sizes = "[", times = "[";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char* sep = i ? "|" : "";
    dirs += sep;
    dirs += s.from_initiator(i) ? "1" : "-1";
    sizes += sep;
    sizes += std::to_string(s.payload(i));
    times += sep;
    times += cesnet_time(s.first_ms() + s.offset_ms(i));
  }
  // LABEL is left empty: minewatch does not know the truth; evaluation tools fill it in.
  fmt::print(out_, "{},{},{},{},{},{},,{}],{}],{}],{:.6f}\n", f.initiator.to_string(), f.responder.to_string(),
             f.initiator_port, f.responder_port, f.pkts_up, f.pkts_down, dirs, sizes, times, f.score);
}

}  // namespace minewatch::app
