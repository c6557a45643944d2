#include "events/eve_writer.hpp"

#include <ctime>

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

void write_mining(JsonWriter& w, const detect::MiningSession& s) {
  w.key("mining").begin_object();
  w.field("protocol", protocols::family_name(s.family()));
  w.field_if("protocol_variant", s.protocol_variant());
  w.field_if("algorithm", s.algorithm());
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
  w.field("messages", s.messages());
  w.field("confidence", static_cast<double>(static_cast<std::int64_t>(s.confidence() * 1000 + 0.5)) / 1000.0);
  w.key("evidence").begin_array();
  for (const auto& e : s.evidence()) {
    w.begin_object();
    w.field("kind", std::string_view{e.kind});
    w.field("detail", std::string_view{e.detail});
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
  write_mining(w, session);
  w.end_object();
  write(buf);
}

void EveWriter::on_session(const detect::OrientedFlow& flow, const detect::MiningSession& session) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_object();
  write_common(w, flow, flow.end, "mining", sensor_);
  w.field("app_proto", protocols::family_name(session.family()));
  write_mining(w, session);
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

void EveWriter::write(const fmt::memory_buffer& buf) {
  std::fwrite(buf.data(), 1, buf.size(), out_);
  std::fputc('\n', out_);
  ++records_;
}

}  // namespace minewatch::events
