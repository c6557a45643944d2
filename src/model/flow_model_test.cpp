// The shipped flow model: the loader's checks, the features on hand-made flows, and — when the CESNET
// sample is present beside the project — the bar on the held-out fifth plus equality with the scores
// the training script computed (so the Python and C++ features cannot silently drift apart).
#include "model/flow_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "model/cesnet_csv.hpp"
#include "model/flow_features.hpp"

namespace minewatch::model {
namespace {

std::string shared_data() {
  if (const char* env = std::getenv("MW_SHARED_DATA"); env && *env) return env;
  return MW_SHARED_DATA;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(FlowModel, EmbeddedModelEqualsTheShippedFile) {
  EXPECT_EQ(FlowModel::embedded_text(), read_file(std::string(MW_SOURCE_DIR) + "/data/models/flow_model.txt"));
  const FlowModel& m = FlowModel::embedded();
  EXPECT_GE(m.trees(), 10u);
  EXPECT_GT(m.threshold(), 0.0);
  EXPECT_LT(m.threshold(), 1.0);
}

// The feature of `f` named `name` (a test failure when no feature has that name).
double feature(const FeatureVector& f, std::string_view name) {
  for (std::size_t i = 0; i < kFeatureCount; ++i)
    if (kFeatureNames[i] == name) return f[i];
  ADD_FAILURE() << name;
  return 0.0;
}

std::string tiny_model(std::string_view tree) {
  std::string t = "minewatch-flow-model 1\nfeatures " + std::to_string(kFeatureCount) + "\n";
  for (std::size_t i = 0; i < kFeatureCount; ++i)
    t += "feature " + std::to_string(i) + " " + std::string(kFeatureNames[i]) + "\n";
  t += "link logistic\nbias 0.5\nthreshold 0.6\ntrees 1\n";
  t += tree;
  t += "end\n";
  return t;
}

TEST(FlowModel, ScoresATinyTreeLikeTheFormatSays) {
  // n_pkts <= 10 -> -1.5, else +2: probability = logistic(0.5 + leaf).
  auto m = FlowModel::parse(tiny_model("tree 3\nsplit 0 10.5 1 2\nleaf -1.5\nleaf 2\n"));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  FeatureVector f{};
  f[0] = 4;
  EXPECT_DOUBLE_EQ(m->score(f), 1.0 / (1.0 + std::exp(1.0)));
  f[0] = 30;
  EXPECT_DOUBLE_EQ(m->score(f), 1.0 / (1.0 + std::exp(-2.5)));
  EXPECT_TRUE(m->is_mining(m->score(f)));
}

TEST(FlowModel, BranchFreeLayoutScoresExactlyLikeTheTreeWalk) {
  const FlowModel& m = FlowModel::embedded();
  ASSERT_TRUE(m.branch_free()) << "the shipped model is shallow enough for the branch-free layout";
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-3.0, 12.0);
  const double specials[] = {std::nan(""), std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(), 0.0};
  for (int k = 0; k < 20000; ++k) {
    FeatureVector f{};
    for (auto& v : f) v = (rng() % 50 == 0) ? specials[rng() % 4] : u(rng);
    ASSERT_EQ(m.score(f), m.score_by_walk(f)) << "vector " << k;
  }
  // At the thresholds themselves: the layout compares floats against each double threshold rounded
  // down to a float, which must send every float feature the way the double comparison does. Each
  // split's threshold, and the floats around it, go to every feature at once.
  std::istringstream text{std::string(FlowModel::embedded_text())};
  std::string line;
  std::size_t thresholds = 0;
  while (std::getline(text, line)) {
    std::istringstream fields(line);
    std::string kind;
    int feature = 0;
    double t = 0;
    if (!(fields >> kind >> feature >> t) || kind != "split") continue;
    ++thresholds;
    const float near = static_cast<float>(t);
    const float inf = std::numeric_limits<float>::infinity();
    for (float v : {near, std::nextafter(near, -inf), std::nextafter(near, inf)}) {
      FeatureVector f{};
      f.fill(v);
      ASSERT_EQ(m.score(f), m.score_by_walk(f)) << "threshold " << t << " value " << v;
    }
  }
  EXPECT_GT(thresholds, 100u);
  // Thresholds between two floats, and beyond the float range, in a hand-made model.
  auto edges =
      FlowModel::parse(tiny_model("tree 7\nsplit 0 0.1 1 2\nleaf -1\nsplit 1 1e300 3 4\nleaf 1\n"
                                  "split 2 -1e300 5 6\nleaf 2\nleaf 3\n"));
  ASSERT_TRUE(edges.has_value()) << edges.error().message;
  ASSERT_TRUE(edges->branch_free());
  const float inf = std::numeric_limits<float>::infinity();
  for (float a : {0.1f, std::nextafter(0.1f, -inf), std::nextafter(0.1f, inf), 1.0f}) {
    for (float b : {3.0e38f, inf, -inf}) {
      for (float c : {-3.0e38f, -inf, 0.0f}) {
        FeatureVector f{};
        f[0] = a;
        f[1] = b;
        f[2] = c;
        EXPECT_EQ(edges->score(f), edges->score_by_walk(f)) << a << " " << b << " " << c;
      }
    }
  }
  // An unbalanced tree (a leaf at depth 1 beside a subtree of depth 3) is padded correctly.
  auto lopsided = FlowModel::parse(
      tiny_model("tree 7\nsplit 0 10.5 1 2\nleaf -1.5\nsplit 1 0.5 3 4\nleaf 0.25\nsplit 2 1.5 5 6\nleaf 1\nleaf 2\n"));
  ASSERT_TRUE(lopsided.has_value()) << lopsided.error().message;
  ASSERT_TRUE(lopsided->branch_free());
  for (double a : {4.0, 30.0})
    for (double b : {0.0, 1.0})
      for (double c : {1.0, 2.0}) {
        FeatureVector f{};
        f[0] = a;
        f[1] = b;
        f[2] = c;
        EXPECT_EQ(lopsided->score(f), lopsided->score_by_walk(f)) << a << " " << b << " " << c;
      }
  FeatureVector f{};
  f[0] = 30;
  f[1] = 1;
  f[2] = 2;
  EXPECT_DOUBLE_EQ(lopsided->score(f), 1.0 / (1.0 + std::exp(-2.5)));
}

TEST(FlowModel, RejectsBrokenModelsNamingTheLine) {
  auto bad = [](const std::string& text) {
    auto m = FlowModel::parse(text);
    EXPECT_FALSE(m.has_value());
    return m ? std::string() : m.error().message;
  };
  EXPECT_NE(bad("").find("line 0"), std::string::npos);
  EXPECT_NE(bad("minewatch-flow-model 2\n").find("version"), std::string::npos);
  // A child pointing back at its parent would loop forever.
  EXPECT_NE(bad(tiny_model("tree 3\nsplit 0 10.5 0 2\nleaf -1.5\nleaf 2\n")).find("child index"), std::string::npos);
  EXPECT_NE(bad(tiny_model("tree 3\nsplit 0 10.5 1 3\nleaf -1.5\nleaf 2\n")).find("child index"), std::string::npos);
  EXPECT_NE(bad(tiny_model("tree 3\nsplit 99 10.5 1 2\nleaf -1.5\nleaf 2\n")).find("out of range"), std::string::npos);
  EXPECT_NE(bad(tiny_model("tree 2\nleaf nan\nleaf 1\n")).find("leaf"), std::string::npos);
  EXPECT_NE(bad(tiny_model("tree 1\nleaf 1\n") + "junk\n").find("after 'end'"), std::string::npos);
  // A model trained on other features (renamed or reordered) must not load.
  std::string renamed = tiny_model("tree 1\nleaf 1\n");
  renamed.replace(renamed.find("frac_up"), 7, "frac_dn");
  std::string err = bad(renamed);
  EXPECT_NE(err.find("line 4"), std::string::npos) << err;
  EXPECT_NE(err.find("frac_up"), std::string::npos) << err;
}

TEST(FlowFeatures, RequestResponseFlowHasTheExpectedShape) {
  FlowSample s;
  // Three exchanges 10 s apart: 100 bytes up, 40 bytes down 20 ms later.
  for (int k = 0; k < 3; ++k) {
    s.add_ms(true, 100, 1000 + k * 10'000);
    s.add_ms(false, 40, 1020 + k * 10'000);
  }
  FeatureVector f = compute_features(s, 5, 4);
  auto at = [&](std::string_view name) { return feature(f, name); };
  EXPECT_EQ(at("n_pkts"), 6);
  EXPECT_EQ(at("frac_up"), 0.5);
  EXPECT_EQ(at("mean_size_up"), 100);
  EXPECT_EQ(at("std_size_down"), 0);
  EXPECT_EQ(at("dir_change_rate"), 1);
  EXPECT_EQ(at("mode_frac"), 0.5);
  EXPECT_EQ(at("first_size"), 100);
  EXPECT_EQ(at("second_size"), -40);
  EXPECT_DOUBLE_EQ(at("log_duration_ms"), std::log1p(20'020.0));
  EXPECT_DOUBLE_EQ(at("log_reply_ms"), std::log1p(20.0));
  EXPECT_DOUBLE_EQ(at("log_gap_ms"), std::log1p(9'980.0));
  EXPECT_EQ(at("up_iat_cv"), 0);  // perfectly periodic
  EXPECT_EQ(at("counters_valid"), 1);
  EXPECT_DOUBLE_EQ(at("payload_pkt_frac"), 6.0 / 9.0);
  EXPECT_DOUBLE_EQ(at("log_pkt_ratio"), std::log(6.0 / 5.0));
}

TEST(FlowFeatures, CountersAreIgnoredOnceThirtyPacketsAreHeld) {
  FlowSample s;
  for (int k = 0; k < 40; ++k) s.add(k % 2 == 0, 60, Timestamp{k * 1'000'000'000LL});
  EXPECT_EQ(s.size(), kMaxPackets);
  FeatureVector a = compute_features(s, 100, 100), b = compute_features(s, 7, 90'000);
  EXPECT_EQ(a, b);
}

TEST(FlowFeatures, TimeFeaturesEqualLibmLog1pExactlyOnBothSidesOfTheTable) {
  // Whole-millisecond log1p values come from a start-up table below 4096 ms and from libm above: both
  // must give libm's own bits, or a tree comparison could flip.
  // Through a pointer, so the compiler cannot fold these into (differently rounded) constants.
  double (*volatile libm_log1p)(double) = static_cast<double (*)(double)>(std::log1p);
  for (std::int64_t gap : {0, 1, 2, 7, 999, 4094, 4095, 4096, 4097, 123'456}) {
    FlowSample s;
    s.add_ms(true, 100, 0);
    s.add_ms(false, 40, gap);
    s.add_ms(true, 100, 2 * gap);
    FeatureVector f = compute_features(s, 2, 1);
    auto at = [&](std::string_view name) { return feature(f, name); };
    const auto g = static_cast<double>(gap);
    EXPECT_EQ(at("log_duration_ms"), libm_log1p(2 * g)) << gap;
    EXPECT_EQ(at("log_iat_max_ms"), libm_log1p(g)) << gap;
    EXPECT_EQ(at("log_reply_ms"), libm_log1p(g)) << gap;
    EXPECT_EQ(at("log_gap_ms"), libm_log1p(g)) << gap;
    EXPECT_EQ(at("mean_log_iat"), (libm_log1p(g) + libm_log1p(g)) / 2) << gap;
  }
}

// The features that need an order (modes, distinct sizes, medians) are computed by counting; a sort
// of the sample, as the training script does it, must give the same bits. Random flows with many ties
// (a few sizes, equal times) and without (any size, spread times), every length up to a full sample.
TEST(FlowFeatures, CountedModesAndMediansEqualSortedOnes) {
  std::mt19937 rng(20261121);
  auto lower_median = [](std::vector<double> v) {
    if (v.empty()) return -1.0;
    std::sort(v.begin(), v.end());
    return std::log1p(v[(v.size() - 1) / 2]);
  };
  auto max_run = [](std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    std::size_t best = 0, run = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      run = i > 0 && v[i] == v[i - 1] ? run + 1 : 1;
      best = std::max(best, run);
    }
    return best;
  };
  for (int round = 0; round < 4000; ++round) {
    const bool ties = round % 2 == 0;
    const int n = 2 + static_cast<int>(rng() % 29);
    FlowSample s;
    std::int64_t t = 1'000;
    for (int i = 0; i < n; ++i) {
      const bool up = rng() % 3 != 0;
      const auto size = static_cast<std::uint32_t>(ties ? 40u + 20u * (rng() % 3) : 1u + rng() % 65'535u);
      t += ties ? static_cast<std::int64_t>(rng() % 3) : static_cast<std::int64_t>(rng() % 20'000);
      s.add_ms(up, size, t);
    }
    std::vector<std::int64_t> all, ups, downs;
    std::vector<double> iats, replies, gaps;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const std::int64_t key = s.from_initiator(i) ? s.payload(i) : -static_cast<std::int64_t>(s.payload(i)) - 1;
      all.push_back(key);
      (s.from_initiator(i) ? ups : downs).push_back(key);
      if (i == 0) continue;
      const auto gap = static_cast<double>(s.offset_ms(i) - s.offset_ms(i - 1));
      iats.push_back(gap);
      if (!s.from_initiator(i) && s.from_initiator(i - 1)) replies.push_back(gap);
      if (s.from_initiator(i) && !s.from_initiator(i - 1)) gaps.push_back(gap);
    }
    std::vector<std::int64_t> distinct = all;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    const FeatureVector f = compute_features(s, 50, 50);
    auto at = [&](std::string_view name) { return feature(f, name); };
    const auto nd = static_cast<double>(s.size());
    SCOPED_TRACE(round);
    EXPECT_EQ(at("mode_frac"), static_cast<double>(max_run(all)) / nd);
    EXPECT_EQ(at("distinct_frac"), static_cast<double>(distinct.size()) / nd);
    EXPECT_EQ(at("up_mode_frac"),
              ups.empty() ? 0.0 : static_cast<double>(max_run(ups)) / static_cast<double>(ups.size()));
    EXPECT_EQ(at("down_mode_frac"),
              downs.empty() ? 0.0 : static_cast<double>(max_run(downs)) / static_cast<double>(downs.size()));
    EXPECT_EQ(at("log_iat_median_ms"), lower_median(iats));
    EXPECT_EQ(at("log_reply_ms"), lower_median(replies));
    EXPECT_EQ(at("log_gap_ms"), lower_median(gaps));
  }
}

TEST(CesnetCsv, ParsesTimesToMilliseconds) {
  EXPECT_EQ(parse_cesnet_time_ms("1970-01-01T00:00:01.5").value(), 1500);
  EXPECT_EQ(parse_cesnet_time_ms("2021-12-14T16:45:41.773999").value(), 1639500341773);
  EXPECT_FALSE(parse_cesnet_time_ms("2021-12-14 16:45:41").has_value());
  EXPECT_FALSE(parse_cesnet_time_ms("2021-13-14T16:45:41.1").has_value());
}

// The bar of issue 3 on the real sample, computed by the C++ features and the embedded model.
TEST(FlowModelCesnet, HeldOutFifthMeetsTheBarAndScoresEqualTraining) {
  const std::string csv = shared_data() + "/flows/cesnet-miner22-sample-dev.csv";
  if (!std::filesystem::exists(csv)) GTEST_SKIP() << csv << " not present";
  auto flows = read_cesnet_csv(csv);
  ASSERT_TRUE(flows.has_value()) << flows.error().message;

  // line -> (label, held out, score) as written by tools/model/train_flow_model.py.
  struct Row {
    int label;
    int held_out;
    double score;
  };
  std::map<std::size_t, Row> expected;
  std::ifstream in(std::string(MW_SOURCE_DIR) + "/data/models/flow_model.scores.csv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::size_t ln = 0;
    Row r{};
    char c1, c2, c3;
    std::istringstream ls(line);
    ls >> ln >> c1 >> r.label >> c2 >> r.held_out >> c3 >> r.score;
    ASSERT_TRUE(ls && c1 == ',' && c2 == ',' && c3 == ',') << line;
    expected[ln] = r;
  }
  ASSERT_EQ(expected.size(), flows->size()) << "the CSV changed since training: retrain (docs/flow-model.md)";

  const FlowModel& model = FlowModel::embedded();
  std::size_t tp = 0, fn = 0, fp = 0, tn = 0, compared = 0;
  double worst = 0;
  for (const CesnetFlow& f : *flows) {
    auto it = expected.find(f.line);
    ASSERT_NE(it, expected.end()) << "line " << f.line;
    ASSERT_EQ(it->second.label, f.miner ? 1 : 0) << "line " << f.line;
    double s = model.score(compute_features(f.sample, f.pkts_up, f.pkts_down));
    worst = std::max(worst, std::abs(s - it->second.score));
    ++compared;
    if (!it->second.held_out) continue;
    bool flagged = model.is_mining(s);
    (f.miner ? (flagged ? tp : fn) : (flagged ? fp : tn)) += 1;
  }
  EXPECT_LT(worst, 1e-9) << "C++ and Python scores differ: features or export drifted";
  double tpr = static_cast<double>(tp) / static_cast<double>(tp + fn);
  double fpr = static_cast<double>(fp) / static_cast<double>(fp + tn);
  std::printf("held-out fifth: TP %zu FN %zu FP %zu TN %zu  TPR %.4f FPR %.4f (threshold %.6f; %zu rows compared)\n",
              tp, fn, fp, tn, tpr, fpr, model.threshold(), compared);
  EXPECT_GE(tp + fn, 150u);
  EXPECT_GE(tpr, 0.95);
  EXPECT_LE(fpr, 0.005);
}

}  // namespace
}  // namespace minewatch::model
