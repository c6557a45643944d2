#include "app/probe_options.hpp"

#include <fmt/format.h>

namespace minewatch::app {

void add_probe_options(CLI::App* app, ProbeCliOptions& o, const std::string& p) {
  app->add_option("--" + p + "dialect", o.dialect, "auto | stratum | cryptonote | ethproxy")
      ->check(CLI::IsMember({"auto", "stratum", "cryptonote", "ethproxy"}));
  app->add_option("--" + p + "timeout", o.timeout_ms, "Read timeout per attempt, ms")->check(CLI::Range(1.0, 600000.0));
  app->add_option("--" + p + "connect-timeout", o.connect_timeout_ms, "Connect timeout, ms")
      ->check(CLI::Range(1.0, 600000.0));
  app->add_option("--" + p + "allow", o.allow,
                  "Also allow probing this CIDR, address or host name (*.suffix); default: loopback only. "
                  "Only allowed names are resolved, and their addresses must be public or allowed too");
  app->add_option("--" + p + "rate", o.rate, "Global probe rate, connections per second")
      ->check(CLI::Range(0.001, 10000.0));
  app->add_option("--" + p + "burst", o.burst, "Global burst")->check(CLI::Range(1.0, 100000.0));
  app->add_option("--" + p + "target-rate", o.target_rate, "Per-target rate, connections per second")
      ->check(CLI::Range(0.0001, 10000.0));
  app->add_option("--" + p + "target-burst", o.target_burst, "Per-target burst")->check(CLI::Range(1.0, 100000.0));
  app->add_option("--" + p + "max-wait", o.max_wait_ms, "Longest wait for a rate-limit token before refusing, ms")
      ->check(CLI::Range(0.0, 3600000.0));
  app->add_option("--" + p + "cache-ttl", o.cache_ttl_s, "Seconds a verdict is reused (0: no cache)")
      ->check(CLI::Range(0.0, 604800.0));
}

Result<probe::ProbeConfig> make_probe_config(const ProbeCliOptions& o) {
  using std::chrono::duration;
  using std::chrono::duration_cast;
  probe::ProbeConfig c;
  if (o.dialect != "auto") c.dialect = probe::parse_dialect(o.dialect);
  c.read_timeout = duration_cast<probe::Duration>(duration<double, std::milli>(o.timeout_ms));
  c.connect_timeout = duration_cast<probe::Duration>(duration<double, std::milli>(o.connect_timeout_ms));
  c.cache_ttl = duration_cast<probe::Duration>(duration<double>(o.cache_ttl_s));
  c.limits.global = {o.rate, o.burst};
  c.limits.per_target = {o.target_rate, o.target_burst};
  c.limits.max_wait = duration_cast<probe::Duration>(duration<double, std::milli>(o.max_wait_ms));
  for (const auto& a : o.allow) {
    if (auto r = c.policy.allow(a); !r) return make_error(fmt::format("--allow {}", r.error().message));
  }
  return c;
}

}  // namespace minewatch::app
