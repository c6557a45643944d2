#include "probe/probe_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "events/json_writer.hpp"

namespace minewatch::probe {

namespace {

double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string iso_time(double unix_time) {
  auto secs = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  auto micros = static_cast<long>((unix_time - static_cast<double>(secs)) * 1e6);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+0000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

}  // namespace

std::string probe_detail_text(const ProbeResult& r) {
  std::string out;
  if (r.dialect) out = fmt::format("dialect={}", dialect_name(*r.dialect));
  for (const auto& [k, v] : r.details) {
    if (!out.empty()) out += ' ';
    out += fmt::format("{}={}", k, v);
  }
  return out;
}

std::string probe_json_line(const ProbeResult& r, double unix_time) {
  fmt::memory_buffer buf;
  events::JsonWriter w(buf);
  w.begin_object();
  w.field("timestamp", std::string_view{iso_time(unix_time)});
  w.field("event_type", "probe");
  w.field("target", std::string_view{r.target});
  w.field_if("dest_ip", r.address);
  w.field("dest_port", std::uint32_t{r.port});
  w.field("tls", r.tls);
  w.field("verdict", verdict_name(r.verdict));
  if (r.dialect) w.field("dialect", dialect_name(*r.dialect));
  w.field_if("reason", r.reason);
  w.key("details").begin_object();
  for (const auto& [k, v] : r.details) w.field(k, std::string_view{v});
  w.end_object();
  w.key("attempts").begin_array();
  for (const auto& a : r.attempts) {
    w.begin_object();
    w.field("dialect", dialect_name(a.dialect));
    w.field("verdict", verdict_name(a.verdict));
    w.field("elapsed_ms", ms(a.elapsed));
    w.field_if("reason", a.reason);
    w.end_object();
  }
  w.end_array();
  w.field("cached", r.cached);
  w.field("elapsed_ms", ms(r.elapsed));
  w.field("rate_wait_ms", ms(r.rate_wait));
  w.end_object();
  std::string line{buf.data(), buf.size()};
  line += '\n';
  return line;
}

void print_probe_table(std::FILE* out, const std::vector<ProbeResult>& results) {
  std::size_t tw = 6;
  for (const auto& r : results) tw = std::max(tw, r.target.size());
  fmt::print(out, "{:<{}}  {:<12}  {:<10}  {:>8}  {}\n", "TARGET", tw, "VERDICT", "DIALECT", "TIME", "DETAILS");
  for (const auto& r : results) {
    std::string detail = probe_detail_text(r);
    if (r.verdict != Verdict::MiningPool && !r.reason.empty()) detail = r.reason;
    if (r.cached) detail += " (cached)";
    fmt::print(out, "{:<{}}  {:<12}  {:<10}  {:>6.0f}ms  {}\n", r.target, tw, verdict_name(r.verdict),
               r.dialect ? dialect_name(*r.dialect) : std::string_view{"-"}, ms(r.elapsed), detail);
  }
}

}  // namespace minewatch::probe
