// mw-gen: writes a realistic mixed-traffic capture with mining sessions, decoys and a ground-truth file.
// Independent of the detector on purpose: it shares no code with src/, so it cannot share its bugs.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "gen/scenario.hpp"

namespace mwgen {
namespace {

constexpr Nanos kEpoch = 1709251200LL * kSec;  // 2024-03-01T00:00:00Z

struct Options {
  std::string out, truth, profile = "sample";
  std::uint64_t seed = 1;
  std::optional<std::uint64_t> flows;
  std::optional<double> size_mb;
  std::optional<double> mining_fraction;
  bool nanosecond = false, big_endian = false, pcapng = false;
  std::string pool_endpoint;  // sv2 profile: every session's pool is this IPv4:PORT
};

struct Job {
  Nanos start = 0;
  enum class Kind { Background, Mining, TlsMining, Decoy, Sv2, Sv2Decoy } kind = Kind::Background;
  Background background = Background::Tls;
  BackgroundOptions bg;
  MiningPlan plan;
  Nanos duration = 0;
  Decoy decoy = Decoy::Electrum;
  Nanos max_duration = 0;
  Sv2Kind sv2 = Sv2Kind::Plaintext;
  Sv2Decoy sv2_decoy = Sv2Decoy::Bip324;
  Sv2Options sv2_options;
};

Job make_job(Nanos start, Job::Kind kind) {
  Job j;
  j.start = start;
  j.kind = kind;
  return j;
}
Job decoy_job(Nanos start, Decoy d) {
  Job j = make_job(start, Job::Kind::Decoy);
  j.decoy = d;
  return j;
}

Nanos at(double s) { return kEpoch + static_cast<Nanos>(s * static_cast<double>(kSec)); }

Background pick_background(Rng& rng, bool isp) {
  const double r = rng.uniform();
  if (isp) {
    if (r < 0.57) return Background::Dns;
    if (r < 0.81) return Background::Tls;
    if (r < 0.90) return Background::Http;
    if (r < 0.97) return Background::Quic;
    if (r < 0.977) return Background::Bulk;
    return Background::Ssh;
  }
  if (r < 0.25) return Background::Dns;
  if (r < 0.68) return Background::Tls;
  if (r < 0.80) return Background::Http;
  if (r < 0.92) return Background::Quic;
  if (r < 0.95) return Background::Bulk;
  return Background::Ssh;
}

BackgroundOptions pick_bg_options(Rng& rng, bool isp) {
  BackgroundOptions o;
  o.isp = isp;
  o.v6 = rng.chance(0.15);
  if (rng.chance(0.1)) o.vlan = rng.chance(0.5) ? 100 : 200;
  return o;
}

MiningPlan random_plan(Rng& rng, Nanos duration) {
  MiningPlan p;
  p.family = rng.pick(kAllFamilies);
  for (Adversity a : kAllAdversities) {
    if (rng.chance(0.12)) p.adversities.push_back(a);
  }
  if (std::find(p.adversities.begin(), p.adversities.end(), Adversity::Port443) != p.adversities.end()) {
    std::erase(p.adversities, Adversity::HighPort);
  }
  p.duration = duration;
  p.dns_first = rng.chance(0.6);
  return p;
}

void run_job(Context& ctx, Rng& rng, const Job& j) {
  switch (j.kind) {
    case Job::Kind::Background: background_flow(ctx, rng, j.start, j.background, j.bg); return;
    case Job::Kind::Mining: mining_session(ctx, rng, j.start, j.plan); return;
    case Job::Kind::TlsMining: tls_mining_session(ctx, rng, j.start, j.duration); return;
    case Job::Kind::Decoy: decoy_flow(ctx, rng, j.start, j.decoy, j.max_duration); return;
    case Job::Kind::Sv2: sv2_session(ctx, rng, j.start, j.sv2, j.duration, j.sv2_options); return;
    case Job::Kind::Sv2Decoy: sv2_decoy(ctx, rng, j.start, j.sv2_decoy); return;
  }
}

// `count` ordinary background flows starting anywhere in the first `span` seconds (less 30).
void add_background(std::vector<Job>& jobs, Rng& rng, std::uint64_t count, double span) {
  for (std::uint64_t i = 0; i < count; ++i) {
    Job j = make_job(at(rng.uniform(0, span - 30)), Job::Kind::Background);
    j.background = pick_background(rng, false);
    j.bg = pick_bg_options(rng, false);
    jobs.push_back(j);
  }
}

// A fixed plan: every family clean, every adversity on several families, every decoy, background mix.
std::vector<Job> sample_plan(Rng& rng, const Options& o) {
  std::vector<Job> jobs;
  const double span = 900;
  const std::uint64_t background = o.flows.value_or(400);
  add_background(jobs, rng, background, span);
  std::vector<MiningPlan> plans;
  for (Family f : kAllFamilies) plans.push_back(MiningPlan{f, {}, 0, true});
  constexpr std::size_t kAdvSessions = 28;
  for (std::size_t i = 0; i < kAdvSessions; ++i) {
    MiningPlan p{
        kAllFamilies[i % std::size(kAllFamilies)], {kAllAdversities[i % std::size(kAllAdversities)]}, 0, i % 2 == 0};
    if (i % 5 == 0 && p.adversities[0] != Adversity::Vardiff) p.adversities.push_back(Adversity::Vardiff);
    if (i % 9 == 4 && p.adversities[0] != Adversity::Split) p.adversities.push_back(Adversity::Split);
    plans.push_back(p);
  }
  const auto extra = static_cast<std::size_t>(o.mining_fraction.value_or(0) * static_cast<double>(background));
  for (std::size_t i = plans.size(); i < extra; ++i) plans.push_back(random_plan(rng, 0));
  for (auto& p : plans) {
    p.duration = static_cast<Nanos>(rng.uniform(240, 600) * static_cast<double>(kSec));
    Job j = make_job(at(rng.uniform(0, span - 600)), Job::Kind::Mining);
    j.plan = p;
    jobs.push_back(j);
  }
  for (Decoy d : kAllDecoys) jobs.push_back(decoy_job(at(rng.uniform(0, span - 420)), d));
  jobs.push_back(decoy_job(at(rng.uniform(0, span - 420)), Decoy::Electrum));
  jobs.push_back(decoy_job(at(rng.uniform(0, span - 420)), Decoy::TplinkSmartHome));
  return jobs;
}

std::vector<Job> tls_mining_plan(Rng& rng, const Options& o) {
  std::vector<Job> jobs;
  const double span = 900;
  const std::uint64_t background = o.flows.value_or(400);
  for (std::uint64_t i = 0; i < background; ++i) {
    Job j = make_job(at(rng.uniform(0, span - 30)), Job::Kind::Background);
    const double r = rng.uniform();
    j.background = r < 0.75 ? Background::Tls : r < 0.93 ? Background::Dns : Background::Quic;
    j.bg = pick_bg_options(rng, false);
    jobs.push_back(j);
  }
  const auto sessions = std::max<std::uint64_t>(
      10, static_cast<std::uint64_t>(o.mining_fraction.value_or(0.05) * static_cast<double>(background)));
  for (std::uint64_t i = 0; i < sessions; ++i) {
    Job j = make_job(at(rng.uniform(0, span - 600)), Job::Kind::TlsMining);
    j.duration = static_cast<Nanos>(rng.uniform(240, 600) * static_cast<double>(kSec));
    jobs.push_back(j);
  }
  return jobs;
}

// Stratum V2: plaintext and Noise sessions among background flows, with binary decoys that open the same way.
std::vector<Job> sv2_plan(Rng& rng, const Options& o, const Sv2Options& sv2) {
  std::vector<Job> jobs;
  const double span = 900;
  const std::uint64_t background = o.flows.value_or(200);
  add_background(jobs, rng, background, span);
  const auto sessions = std::max<std::uint64_t>(
      4, static_cast<std::uint64_t>(o.mining_fraction.value_or(0.02) * static_cast<double>(background)));
  for (std::uint64_t i = 0; i < sessions; ++i) {
    Job j = make_job(at(rng.uniform(0, span - 400)), Job::Kind::Sv2);
    j.sv2 = i % 2 == 0 ? Sv2Kind::Plaintext : Sv2Kind::Noise;
    j.duration = static_cast<Nanos>(rng.uniform(120, 360) * static_cast<double>(kSec));
    j.sv2_options = sv2;
    jobs.push_back(j);
  }
  for (Sv2Decoy d : kAllSv2Decoys) {
    for (int k = 0; k < 2; ++k) {
      Job j = make_job(at(rng.uniform(0, span - 300)), Job::Kind::Sv2Decoy);
      j.sv2_decoy = d;
      jobs.push_back(j);
    }
  }
  return jobs;
}

int generate(const Options& o) {
  Capture cap;
  if (auto err = cap.open(o.out, PcapOptions{o.nanosecond, o.big_endian, o.pcapng})) {
    fmt::print(stderr, "mw-gen: {}\n", *err);
    return 1;
  }
  std::FILE* tf = std::fopen(o.truth.c_str(), "wb");
  if (tf == nullptr) {
    fmt::print(stderr, "mw-gen: cannot open {}\n", o.truth);
    return 1;
  }
  std::vector<char> tbuf(1 << 20);
  std::setvbuf(tf, tbuf.data(), _IOFBF, tbuf.size());
  TruthWriter truth(tf);
  Context ctx{cap, truth};
  Rng master(o.seed);
  const auto t_begin = std::chrono::steady_clock::now();

  if (o.profile == "tls-evasion") {
    const std::uint64_t benign = o.flows.value_or(100'000);
    const auto sessions = std::max<std::uint64_t>(
        60, static_cast<std::uint64_t>(o.mining_fraction.value_or(0.004) * static_cast<double>(benign)));
    tls_evasion_profile(ctx, master, kEpoch, benign, sessions);
  } else if (o.profile == "isp") {
    // Flows arrive as a Poisson process (~2,500 flows/s); each is generated whole, in start order.
    const double fraction = o.mining_fraction.value_or(0.001);
    const double target = o.size_mb.value_or(o.flows ? 0 : 1024) * 1e6;
    Nanos t = kEpoch;
    for (std::uint64_t i = 0;; ++i) {
      if (o.flows ? i >= *o.flows : static_cast<double>(cap.file_bytes_written() + cap.bytes_queued()) >= target) break;
      t += static_cast<Nanos>(master.exponential(400.0 * static_cast<double>(kUs)));
      cap.advance(t);
      Rng rng = master.fork(i);
      // Long sessions should end with the capture, not trail on alone: estimate where it ends from the
      // bytes per simulated second so far.
      Nanos left = 180 * kSec;
      const Nanos elapsed = t - kEpoch;
      if (elapsed > 5 * kSec) {
        const double produced = static_cast<double>(cap.file_bytes_written() + cap.bytes_queued());
        const double est_end =
            o.flows ? static_cast<double>(*o.flows) / static_cast<double>(i) * static_cast<double>(elapsed)
                    : target / produced * static_cast<double>(elapsed);
        left = std::clamp(static_cast<Nanos>(est_end) - elapsed, 20 * kSec, 180 * kSec);
      }
      Job j = make_job(t, Job::Kind::Background);
      if (rng.chance(fraction)) {
        j.kind = Job::Kind::Mining;
        j.plan = random_plan(rng, std::min(left, static_cast<Nanos>(rng.uniform(30, 180) * static_cast<double>(kSec))));
      } else if (rng.chance(0.0005)) {
        j.kind = Job::Kind::Decoy;
        j.decoy = rng.pick(kAllDecoys);
        j.max_duration = left;
      } else {
        j.background = pick_background(rng, true);
        j.bg = pick_bg_options(rng, true);
      }
      run_job(ctx, rng, j);
    }
  } else {
    std::vector<Job> jobs;
    if (o.profile == "sample") {
      jobs = sample_plan(master, o);
    } else if (o.profile == "hashrate") {
      for (auto& s : hashrate_sessions(master, o.flows.value_or(120))) {
        Job j = make_job(kEpoch + s.start, Job::Kind::Mining);
        j.plan = std::move(s.plan);
        jobs.push_back(std::move(j));
      }
    } else if (o.profile == "sv2") {
      Sv2Options sv2;
      if (!o.pool_endpoint.empty()) {
        auto colon = o.pool_endpoint.rfind(':');
        unsigned a = 0, b = 0, c = 0, d = 0, port = 0;
        if (colon == std::string::npos ||
            std::sscanf(o.pool_endpoint.c_str(), "%u.%u.%u.%u:%u", &a, &b, &c, &d, &port) != 5 || a > 255 || b > 255 ||
            c > 255 || d > 255 || port == 0 || port > 65535) {
          fmt::print(stderr, "mw-gen: --pool-endpoint wants IPv4:PORT, got {}\n", o.pool_endpoint);
          return 1;
        }
        sv2.pool = IpAddr::v4(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b), static_cast<std::uint8_t>(c),
                              static_cast<std::uint8_t>(d));
        sv2.pool_port = static_cast<std::uint16_t>(port);
      }
      jobs = sv2_plan(master, o, sv2);
    } else {
      jobs = tls_mining_plan(master, o);
    }
    std::vector<std::uint64_t> seeds(jobs.size());
    for (auto& s : seeds) s = master.next();
    std::vector<std::size_t> order(jobs.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return jobs[a].start < jobs[b].start; });
    for (std::size_t i : order) {
      cap.advance(jobs[i].start);
      Rng rng(seeds[i]);
      run_job(ctx, rng, jobs[i]);
    }
  }

  if (auto err = cap.finish()) {
    fmt::print(stderr, "mw-gen: {}\n", *err);
    std::fclose(tf);
    return 1;
  }
  truth.write(Json::obj({{"kind", "summary"},
                         {"profile", o.profile},
                         {"seed", static_cast<unsigned long long>(o.seed)},
                         {"packets", static_cast<unsigned long long>(cap.packets_written())},
                         {"flows", static_cast<unsigned long long>(ctx.flows)},
                         {"bytes", static_cast<unsigned long long>(cap.frame_bytes_written())},
                         {"file_bytes", static_cast<unsigned long long>(cap.file_bytes_written())},
                         {"mining_sessions", static_cast<unsigned long long>(ctx.mining_sessions)},
                         {"decoys", static_cast<unsigned long long>(ctx.decoys)}}));
  if (std::fclose(tf) != 0) {
    fmt::print(stderr, "mw-gen: write error on {}\n", o.truth);
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_begin).count();
  fmt::print(stderr, "mw-gen: {} packets, {} flows ({} mining, {} decoys), {:.1f} MB in {:.2f} s ({:.0f} MB/s)\n",
             cap.packets_written(), ctx.flows, ctx.mining_sessions, ctx.decoys,
             static_cast<double>(cap.file_bytes_written()) / 1e6, secs,
             static_cast<double>(cap.file_bytes_written()) / 1e6 / secs);
  return 0;
}

}  // namespace
}  // namespace mwgen

int main(int argc, char** argv) {
  mwgen::Options o;
  CLI::App app{"mw-gen: synthetic mixed-traffic capture with mining sessions, decoys and ground truth"};
  app.add_option("--out", o.out, "output pcap file")->required();
  app.add_option("--truth", o.truth, "ground-truth JSONL file")->required();
  app.add_option("--seed", o.seed, "random seed (same seed, same bytes)");
  auto* flows = app.add_option("--flows", o.flows, "number of background flows (isp: total flows)");
  app.add_option("--size-mb", o.size_mb, "isp profile: stop at this output size (MB)")->excludes(flows);
  app.add_option("--mining-fraction", o.mining_fraction, "share of flows that are mining sessions")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--profile", o.profile,
                 "sample | isp | tls-mining | tls-evasion | hashrate (--flows = mining sessions) | sv2")
      ->check(CLI::IsMember({"sample", "isp", "tls-mining", "tls-evasion", "hashrate", "sv2"}));
  app.add_option("--pool-endpoint", o.pool_endpoint, "sv2 profile: every session's pool is this IPv4:PORT");
  app.add_flag("--nanosecond", o.nanosecond, "nanosecond-resolution pcap magic");
  app.add_flag("--big-endian", o.big_endian, "write pcap headers big-endian");
  app.add_flag("--pcapng", o.pcapng, "write pcapng (enhanced packet blocks) instead of classic pcap");
  CLI11_PARSE(app, argc, argv);
  return mwgen::generate(o);
}
