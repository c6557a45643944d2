#include "events/eve_writer.hpp"

#include <cmath>
#include <cstdlib>
#include <ctime>

#include "estimate/session_estimate.hpp"
#include "events/community_id.hpp"
#include "events/json_writer.hpp"

namespace minewatch::events {

namespace {

std::string_view proto_name(std::uint8_t p) {
  switch (p) {
    case 6: return "TCP";
    case 17: return "UDP";
    default: return "IP";
  }
}

void write_common(JsonWriter& w, const detect::OrientedFlow& f, Timestamp ts, std::string_view event_type,
                  std::string_view sensor) {
  char a[46], b[46];
  f.miner.format(a);
  f.pool.format(b);
  w.field("timestamp", format_eve_time(ts));
  w.field("flow_id", f.flow_id);
  w.field("community_id", community_id_v1(f.miner, f.miner_port, f.pool, f.pool_port, f.proto));
  w.field_if("host", sensor);
  w.field("event_type", event_type);
  w.field("src_ip", std::string_view{a});
  w.field("src_port", std::uint32_t{f.miner_port});
  w.field("dest_ip", std::string_view{b});
  w.field("dest_port", std::uint32_t{f.pool_port});
  w.field("proto", proto_name(f.proto));
}

// Estimates carry 4 significant digits: more would be noise, and the output stays byte-stable.
double sig4(double v) {
  if (!(v != 0) || !std::isfinite(v)) return 0;
  // Through the decimal text, so the double written is the one nearest to the 4-digit value.
  return std::strtod(fmt::format("{:.4g}", v).c_str(), nullptr);
}

std::string_view per_unit(std::string_view unit) { return unit == "Sol/s" ? "J/Sol" : "J/H"; }

void write_coin(JsonWriter& w, const estimate::SessionEstimate& e) {
  w.field("coin", std::string_view{e.coin_id});
  w.field_if("coin_name", e.coin_name);
  w.key("coin_reasons").begin_array();
  for (const auto& r : e.coin_reasons) w.value(std::string_view{r});
  w.end_array();
  w.field_if("algorithm", e.algorithm);
}

void write_estimates(JsonWriter& w, const estimate::SessionEstimate& e) {
  w.key("hashrate").begin_object();
  w.field("unit", std::string_view{e.hashrate_unit});
  if (e.hashrate_known()) {
    w.field("value", sig4(e.hashrate_hs));
    w.field("rel_error", sig4(e.hashrate_sigma / e.hashrate_hs));
    w.field("sigma", sig4(e.hashrate_sigma));
    w.key("interval").begin_array().value(sig4(e.hashrate_lower)).value(sig4(e.hashrate_upper)).end_array();
    w.field("shares", e.shares_used);
    w.field("window_s", sig4(e.window_seconds));
    if (e.recent_hs > 0) {
      w.key("recent").begin_object();
      w.field("value", sig4(e.recent_hs));
      w.field("window_s", sig4(e.recent_seconds));
      w.field("shares", e.recent_shares);
      w.end_object();
    }
  }
  w.field("low_confidence", e.low_confidence);
  w.field_if("note", e.hashrate_note);
  if (e.self_reported_hs > 0) w.field("self_reported", sig4(e.self_reported_hs));
  w.end_object();
  if (e.kwh_per_day > 0) {
    w.key("energy").begin_object();
    w.field("kwh_per_day", sig4(e.kwh_per_day));
    w.field("power_w", sig4(e.power_w));
    w.field("hardware_class", std::string_view{e.hardware_class});
    w.field("hardware_model", std::string_view{e.hardware_model});
    w.field("efficiency", e.efficiency_j_per_h);
    w.field("efficiency_unit", per_unit(e.hashrate_unit));
    w.field("source", std::string_view{e.efficiency_source});
    w.end_object();
  }
}

void write_mining(JsonWriter& w, const detect::MiningSession& s, const estimate::SessionEstimate& est, bool estimates) {
  w.key("mining").begin_object();
  w.field("protocol", protocols::family_name(s.family()));
  w.field_if("protocol_variant", s.protocol_variant());
  write_coin(w, est);
  w.field_if("algorithm_announced", s.algorithm());
  w.field_if("agent", s.agent());
  w.field_if("pool_host", s.pool_host());
  auto [wallet, worker] = split_login(s.login());
  w.field_if("wallet", wallet);
  w.field_if("worker", s.worker().empty() ? worker : std::string_view{s.worker()});
  w.key("shares").begin_object();
  w.field("submitted", s.shares().submitted);
  w.field("accepted", s.shares().accepted);
  w.field("rejected", s.shares().rejected);
  w.end_object();
  if (s.difficulty() > 0) {
    w.field("difficulty", s.difficulty());
    w.field("difficulty_changes", s.difficulty_changes());
  }
  if (s.self_hashrate() > 0) {
    w.key("reported_hashrate").begin_object();
    w.field("value", s.self_hashrate());
    w.field("unit", "H/s");
    w.end_object();
  }
  if (estimates) write_estimates(w, est);
  w.field("messages", s.messages());
  w.field("confidence", static_cast<double>(static_cast<std::int64_t>(s.confidence() * 1000 + 0.5)) / 1000.0);
  w.key("evidence").begin_array();
  for (const auto& e : s.evidence()) {
    w.begin_object();
    w.field("kind", std::string_view{e.kind});
    w.field("detail", std::string_view{e.detail});
    if (e.is_signal) w.field("weight", static_cast<double>(static_cast<std::int64_t>(e.weight * 1000 + 0.5)) / 1000.0);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

}  // namespace

std::string format_eve_time(Timestamp ts) {
  std::time_t sec = ts.seconds();
  std::tm tm{};
  gmtime_r(&sec, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+0000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.subsec_ns() / 1000);
}

std::pair<std::string_view, std::string_view> split_login(std::string_view login) {
  auto dot = login.find('.');
  if (dot == std::string_view::npos) return {login, {}};
  return {login.substr(0, dot), login.substr(dot + 1)};
}

void EveWriter::on_alert(const detect::OrientedFlow& flow, const detect::MiningSession& session, Timestamp ts) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_object();
  write_common(w, flow, ts, "alert", sensor_);
  w.key("alert").begin_object();
  w.field("action", "allowed");
  w.field("gid", 1);
  w.field("signature_id", 9'100'000 + static_cast<int>(session.family()));
  w.field("rev", 1);
  w.field("signature", fmt::format("MINEWATCH {} mining session", protocols::family_name(session.family())));
  w.field("category", "Crypto Currency Mining Activity Detected");
  w.field("severity", 2);
  w.end_object();
  write_mining(w, session, estimate::estimate_session(flow, session), false);
  w.end_object();
  write(buf);
}

void EveWriter::on_session(const detect::OrientedFlow& flow, const detect::MiningSession& session) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_object();
  write_common(w, flow, flow.end, "mining", sensor_);
  w.field("app_proto", protocols::family_name(session.family()));
  const auto estimate = estimate::estimate_session(flow, session);
  hosts_.add(flow, session, estimate);
  write_mining(w, session, estimate, true);
  w.key("flow").begin_object();
  w.field("pkts_toserver", flow.pkts_toserver);
  w.field("pkts_toclient", flow.pkts_toclient);
  w.field("bytes_toserver", flow.bytes_toserver);
  w.field("bytes_toclient", flow.bytes_toclient);
  w.field("start", format_eve_time(flow.start));
  w.field("end", format_eve_time(flow.end));
  w.end_object();
  w.end_object();
  write(buf);
}

void EveWriter::write_host_summaries() {
  for (const auto& h : hosts_.totals()) {
    fmt::memory_buffer buf;
    JsonWriter w(buf);
    char ip[46];
    h.host.format(ip);
    w.begin_object();
    w.field("timestamp", format_eve_time(h.last));
    w.field_if("host", sensor_);
    w.field("event_type", "mining_host");
    w.field("src_ip", std::string_view{ip});
    w.key("mining_host").begin_object();
    w.field("sessions", h.sessions);
    w.key("coins").begin_array();
    for (const auto& c : h.coins) w.value(std::string_view{c});
    w.end_array();
    if (!h.coins_inferred.empty()) {
      w.key("coins_inferred").begin_array();
      for (const auto& c : h.coins_inferred) {
        w.begin_object();
        w.field("coin", std::string_view{c.coin});
        w.field("algorithm", std::string_view{c.algorithm});
        w.field("sessions", c.sessions);
        w.field("reason", std::string_view{c.reason});
        w.end_object();
      }
      w.end_array();
    }
    w.key("pools").begin_array();
    for (const auto& p : h.pools) w.value(std::string_view{p});
    w.end_array();
    w.key("hashrate").begin_array();
    for (const auto& r : h.rates) {
      w.begin_object();
      w.field("algorithm", std::string_view{r.algorithm});
      w.field("unit", std::string_view{r.unit});
      w.field("value", sig4(r.value));
      w.field("sigma", sig4(r.sigma));
      w.field("sessions", r.sessions);
      w.end_object();
    }
    w.end_array();
    if (h.kwh_per_day > 0) {
      w.field("kwh_per_day", sig4(h.kwh_per_day));
      w.field("power_w", sig4(h.power_w));
    }
    w.field("energy_partial", h.energy_partial);
    w.field("bytes_to_pools", h.bytes_to_pools);
    w.field("bytes_from_pools", h.bytes_from_pools);
    w.field("mbps_to_pools", sig4(h.mbps_to_pools));
    w.field("first_seen", format_eve_time(h.first));
    w.field("last_seen", format_eve_time(h.last));
    w.end_object();
    w.end_object();
    write(buf);
  }
}

void EveWriter::write(const fmt::memory_buffer& buf) {
  std::fwrite(buf.data(), 1, buf.size(), out_);
  std::fputc('\n', out_);
  ++records_;
}

}  // namespace minewatch::events
