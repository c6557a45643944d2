#include "registry/registry.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "registry/importers_internal.hpp"

namespace minewatch::registry {
namespace {

IpAddress ip(std::string_view text) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::parse(text, a)) << text;
  return a;
}

ImportReport import(std::string_view text, std::string_view name, RegistryData& data, ImportFormat format) {
  ImportOptions options;
  options.format = format;
  auto r = import_text(text, name, data, options);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : ImportReport{};
}

TEST(Prefix, ParsesCidrAndBareAddresses) {
  auto p = Prefix::parse("10.1.0.0/16");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length, 16);
  EXPECT_EQ(p->to_string(), "10.1.0.0/16");
  auto h = Prefix::parse("2001:db8::1");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->length, 128);
  EXPECT_TRUE(p->contains(ip("10.1.200.3")));
  EXPECT_FALSE(p->contains(ip("10.2.0.0")));
}

TEST(Prefix, RejectsHostBitsAndBadLengths) {
  auto p = Prefix::parse("10.1.0.1/16");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("did you mean 10.1.0.0/16"), std::string::npos);
  EXPECT_FALSE(Prefix::parse("10.0.0.0/33"));
  EXPECT_FALSE(Prefix::parse("10.0.0.0/"));
  EXPECT_FALSE(Prefix::parse("2001:db8::/129"));
  EXPECT_FALSE(Prefix::parse("banana/8"));
}

TEST(Prefix, SplitsRangesIntoTheFewestBlocks) {
  auto blocks = Prefix::from_range(ip("3.0.0.0"), ip("3.1.255.255"));
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].to_string(), "3.0.0.0/15");
  blocks = Prefix::from_range(ip("1.1.1.1"), ip("1.1.1.6"));
  ASSERT_EQ(blocks.size(), 4u);  // .1/32 .2/31 .4/31 .6/32
  EXPECT_EQ(blocks[0].to_string(), "1.1.1.1/32");
  EXPECT_EQ(blocks[3].to_string(), "1.1.1.6/32");
  blocks = Prefix::from_range(ip("0.0.0.0"), ip("255.255.255.255"));
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].length, 0);
}

TEST(OrgType, RoundTripsShortNames) {
  for (auto t : {OrgType::Unknown, OrgType::StateOwned, OrgType::Government, OrgType::University,
                 OrgType::PrivateEnterprise, OrgType::Residential, OrgType::Cloud}) {
    EXPECT_EQ(parse_org_type(to_string(t)), t);
  }
  EXPECT_EQ(parse_org_type("State-Owned"), OrgType::StateOwned);
  EXPECT_FALSE(parse_org_type("alien"));
}

TEST(OrgType, IsInferredOnlyWhenTheNameSaysIt) {
  EXPECT_EQ(infer_org_type("University of Delaware"), OrgType::University);
  EXPECT_EQ(infer_org_type("Amazon.com, Inc."), OrgType::Cloud);
  EXPECT_EQ(infer_org_type("CHINANET-BACKBONE No.31,Jin-rong Street"), OrgType::StateOwned);
  EXPECT_EQ(infer_org_type("Ministry of Education"), OrgType::Government);
  EXPECT_EQ(infer_org_type("Level 3 Communications"), OrgType::Unknown);
  EXPECT_EQ(infer_org_type("Governor Networks"), OrgType::Unknown);  // "gov" only as a word
}

constexpr std::string_view kOrgs =
    "id,name,type,province,city,carrier\n"
    "cn-sgcc,State Grid Corporation,soe,Beijing,Beijing,false\n"
    "cn-hz-gov,Hangzhou Municipal Government,government,Zhejiang,Hangzhou,\n"
    "cn-unicom,China Unicom,soe,,,true\n";

constexpr std::string_view kPrefixes =
    "cidr,org\n"
    "10.0.0.0/8,cn-unicom\n"
    "10.20.0.0/16,cn-sgcc\n"
    "10.20.30.0/24,cn-hz-gov\n"
    "2001:db8::/32,cn-unicom\n"
    "2001:db8:1::/48,cn-sgcc\n";

TEST(Registry, LongestPrefixNamesTheOwner) {
  RegistryData data;
  auto orgs = import(kOrgs, "organisations.csv", data, ImportFormat::Auto);
  EXPECT_EQ(orgs.orgs_added, 3u);
  auto pre = import(kPrefixes, "prefixes.csv", data, ImportFormat::Auto);
  EXPECT_EQ(pre.prefixes_added, 5u);
  EXPECT_TRUE(pre.diagnostics.empty());
  Registry reg(std::move(data));
  EXPECT_EQ(reg.lookup(ip("10.20.30.40")).org->id, "cn-hz-gov");
  EXPECT_EQ(reg.lookup(ip("10.20.30.40")).org->type, OrgType::Government);
  EXPECT_EQ(reg.lookup(ip("10.20.31.1")).org->id, "cn-sgcc");
  EXPECT_EQ(reg.lookup(ip("10.20.31.1")).prefix->to_string(), "10.20.0.0/16");
  EXPECT_EQ(reg.lookup(ip("10.20.31.1")).province, "Beijing");
  EXPECT_EQ(reg.lookup(ip("10.99.0.1")).org->id, "cn-unicom");
  EXPECT_TRUE(reg.lookup(ip("10.99.0.1")).org->carrier);
  EXPECT_FALSE(reg.lookup(ip("11.0.0.1")).found());
  EXPECT_EQ(reg.lookup(ip("2001:db8:1::5")).org->id, "cn-sgcc");
  EXPECT_EQ(reg.lookup(ip("2001:db8:2::5")).org->id, "cn-unicom");
  EXPECT_EQ(reg.lookup(ip("::ffff:10.20.30.1")).org->id, "cn-hz-gov");  // IPv4-mapped
  EXPECT_EQ(reg.stats().v4_prefixes, 3u);
  EXPECT_EQ(reg.stats().v6_prefixes, 2u);
}

TEST(Registry, PrefixesBeforeOrganisationsStillMerge) {
  RegistryData data;
  import(kPrefixes, "prefixes.csv", data, ImportFormat::Auto);
  import(kOrgs, "organisations.csv", data, ImportFormat::Auto);
  Registry reg(std::move(data));
  const auto owner = reg.lookup(ip("10.20.30.1"));
  ASSERT_NE(owner.org, nullptr);
  EXPECT_EQ(owner.org->name, "Hangzhou Municipal Government");
  EXPECT_EQ(owner.org->type, OrgType::Government);
}

TEST(Registry, BadRowsAreNamedByFileAndLineAndTheRestLoads) {
  RegistryData data;
  const std::string_view text =
      "cidr,org,name,type\n"
      "10.0.0.0/8,a\n"
      "10.0.0.1/8,b\n"
      "not-an-ip,c\n"
      "10.1.0.0/16\n"
      "\"10.2.0.0/16,d\n"
      "10.3.0.0/16,e,,martian\n"
      "10.4.0.0/16,f\n";
  auto report = import(text, "prefixes.csv", data, ImportFormat::Prefixes);
  EXPECT_EQ(report.prefixes_added, 2u);
  EXPECT_EQ(report.rows_rejected, 5u);
  ASSERT_EQ(report.diagnostics.size(), 5u);
  EXPECT_EQ(to_string(report.diagnostics[0]),
            "prefixes.csv:3: '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)");
  EXPECT_EQ(report.diagnostics[1].line, 4u);
  EXPECT_EQ(report.diagnostics[2].line, 5u);
  EXPECT_NE(report.diagnostics[2].message.find("'org'"), std::string::npos);
  EXPECT_EQ(report.diagnostics[3].line, 6u);
  EXPECT_EQ(report.diagnostics[4].line, 7u);
  EXPECT_NE(report.diagnostics[4].message.find("martian"), std::string::npos);
  Registry reg(std::move(data));
  EXPECT_EQ(reg.lookup(ip("10.4.1.1")).org->id, "f");
}

TEST(Registry, HeaderWithoutARequiredColumnFailsTheFile) {
  RegistryData data;
  ImportOptions options;
  options.format = ImportFormat::Prefixes;
  auto r = import_text("cidr,owner\n10.0.0.0/8,a\n", "p.csv", data, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "p.csv:1: header has no 'org' column");
}

TEST(Registry, OrganisationRowsWithBadTypesAreRejected) {
  RegistryData data;
  auto report = import("id,name,type\na,A,soe\nb,B,pirate\nc,C,idc\n", "orgs.csv", data, ImportFormat::Auto);
  EXPECT_EQ(report.orgs_added, 2u);
  ASSERT_EQ(report.diagnostics.size(), 1u);
  EXPECT_EQ(report.diagnostics[0].line, 3u);
}

TEST(ParseTime, AcceptsRfc3339AndUnixSeconds) {
  EXPECT_EQ(parse_time("1970-01-01T00:00:00Z")->ns, 0);
  EXPECT_EQ(parse_time("2026-11-21T08:00:00+08:00")->seconds(), parse_time("2026-11-21T00:00:00Z")->seconds());
  EXPECT_EQ(parse_time("2000-03-01T00:00:00Z")->seconds(), 951868800);
  EXPECT_EQ(parse_time("1700000000.25")->ns, 1'700'000'000'250'000'000);
  EXPECT_EQ(parse_time("2026-11-21T00:00:00.5Z")->subsec_ns(), 500'000'000);
  EXPECT_FALSE(parse_time("yesterday"));
  EXPECT_FALSE(parse_time("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_time("2026-11-21T00:00:00"));  // no zone: ambiguous
  // Outside what int64 nanoseconds hold (1677..2262): rejected, never overflowed (a fuzzer found year 1013).
  EXPECT_FALSE(parse_time("1013-11-20T00:00:00Z"));
  EXPECT_FALSE(parse_time("9999-12-31T23:59:59Z"));
  EXPECT_FALSE(parse_time("253402300799"));
  EXPECT_FALSE(parse_time("99999999999999999999"));
  EXPECT_TRUE(parse_time("2262-04-11T00:00:00Z"));
}

constexpr std::string_view kMappings =
    "public_ip,port_first,port_last,start,end,subscriber,org\n"
    "203.0.113.7,1024,2047,2026-11-20T00:00:00Z,2026-11-21T00:00:00Z,line-0001,\n"
    "203.0.113.7,2048,3071,2026-11-20T00:00:00Z,2026-11-21T00:00:00Z,line-0002,cn-sgcc\n"
    "203.0.113.9,,,2026-11-20T00:00:00Z,2026-11-20T12:00:00Z,mac-aa:bb,\n"
    "203.0.113.9,,,2026-11-20T12:00:00Z,,mac-cc:dd,cn-hz-gov\n";

TEST(Registry, NatMappingsAnswerByTimeAndPortBeforePrefixes) {
  RegistryData data;
  import(kOrgs, "organisations.csv", data, ImportFormat::Auto);
  import("cidr,org\n203.0.113.0/24,cn-unicom\n", "prefixes.csv", data, ImportFormat::Auto);
  auto report = import(kMappings, "mappings.csv", data, ImportFormat::Auto);
  EXPECT_EQ(report.mappings_added, 4u);
  EXPECT_TRUE(report.diagnostics.empty());
  Registry reg(std::move(data));
  const auto noon = *parse_time("2026-11-20T06:00:00Z");
  auto o = reg.lookup(ip("203.0.113.7"), noon, std::uint16_t{1500});
  ASSERT_NE(o.mapping, nullptr);
  EXPECT_EQ(o.mapping->subscriber, "line-0001");
  EXPECT_EQ(o.org->id, "cn-unicom");  // no org on the mapping: the carrier's prefix
  o = reg.lookup(ip("203.0.113.7"), noon, std::uint16_t{2500});
  EXPECT_EQ(o.mapping->subscriber, "line-0002");
  EXPECT_EQ(o.org->id, "cn-sgcc");
  // Without a port, a shared CGNAT address names no single subscriber.
  o = reg.lookup(ip("203.0.113.7"), noon);
  EXPECT_EQ(o.mapping, nullptr);
  EXPECT_EQ(o.org->id, "cn-unicom");
  // Outside the mapping's time: the prefix only.
  o = reg.lookup(ip("203.0.113.7"), *parse_time("2026-11-22T00:00:00Z"), std::uint16_t{1500});
  EXPECT_EQ(o.mapping, nullptr);
  // DHCP leases change hands at noon; the later one is open-ended.
  o = reg.lookup(ip("203.0.113.9"), noon);
  EXPECT_EQ(o.mapping->subscriber, "mac-aa:bb");
  o = reg.lookup(ip("203.0.113.9"), *parse_time("2026-11-25T00:00:00Z"), std::uint16_t{80});
  EXPECT_EQ(o.mapping->subscriber, "mac-cc:dd");
  EXPECT_EQ(o.org->id, "cn-hz-gov");
  EXPECT_EQ(o.province, "Zhejiang");
}

TEST(Registry, BadMappingRowsAreRejected) {
  RegistryData data;
  auto report = import(
      "public_ip,port_first,port_last,start,end,subscriber\n"
      "203.0.113.1,5,4,1700000000,1700003600,x\n"
      "203.0.113.1,1,70000,1700000000,1700003600,x\n"
      "203.0.113.1,1,2,1700003600,1700000000,x\n"
      "203.0.113.1,1,2,noon,1700000000,x\n"
      "203.0.113.1,1,2,1700000000,1700003600,\n"
      "203.0.113.1,1,2,1700000000,1700003600,ok\n",
      "mappings.csv", data, ImportFormat::Mappings);
  EXPECT_EQ(report.mappings_added, 1u);
  EXPECT_EQ(report.rows_rejected, 5u);
}

TEST(Registry, CidrListsTakeTheirOwnerFromTheOptionOrTheFileName) {
  RegistryData data;
  auto report = import("# comment\n1.51.0.0/16\n\n1.184.0.0/15\nbogus\n", "cernet.txt", data, ImportFormat::Auto);
  EXPECT_EQ(report.prefixes_added, 2u);
  ASSERT_EQ(report.diagnostics.size(), 1u);
  EXPECT_EQ(report.diagnostics[0].line, 5u);
  ImportOptions named;
  named.format = ImportFormat::CidrList;
  named.org = "acme";
  ASSERT_TRUE(import_text("192.0.2.0/24\n", "whatever.txt", data, named));
  ImportOptions unnamed;
  unnamed.format = ImportFormat::CidrList;
  EXPECT_FALSE(import_text("192.0.2.0/24\n", "whatever.txt", data, unnamed));
  import("36.148.81.0/24\n", "data/cncity/440100.txt", data, ImportFormat::Auto);
  Registry reg(std::move(data));
  EXPECT_EQ(reg.lookup(ip("1.185.0.1")).org->type, OrgType::University);
  EXPECT_EQ(reg.lookup(ip("192.0.2.1")).org->id, "acme");
  const auto gz = reg.lookup(ip("36.148.81.9"));
  EXPECT_FALSE(gz.found());
  EXPECT_EQ(gz.province, "Guangdong");
  EXPECT_EQ(gz.city, "Guangzhou");
  EXPECT_EQ(gz.country, "CN");
}

TEST(Registry, Ip2AsnRangesBecomeAsOrganisations) {
  RegistryData data;
  auto report = import(
      "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET - Cloudflare, Inc.\n"
      "1.0.1.0\t1.0.3.255\t0\tNone\tNot routed\n"
      "1.0.4.0\t1.0.7.255\t38803\tAU\tWPL-AS-AP Wirefreebroadband Pty Ltd\n"
      "1.0.8.0\t1.0.7.255\t1\tAU\tbackwards\n",
      "ip2asn-v4.tsv", data, ImportFormat::Auto);
  EXPECT_EQ(report.prefixes_added, 2u);
  EXPECT_EQ(report.rows_rejected, 1u);
  Registry reg(std::move(data));
  EXPECT_EQ(reg.lookup(ip("1.0.0.1")).org->id, "AS13335");
  EXPECT_EQ(reg.lookup(ip("1.0.0.1")).org->type, OrgType::Cloud);
  EXPECT_EQ(reg.lookup(ip("1.0.0.1")).country, "US");
  EXPECT_FALSE(reg.lookup(ip("1.0.2.1")).found());
  EXPECT_EQ(reg.lookup(ip("1.0.5.1")).org->id, "AS38803");
}

// ---- The real third-party files (skipped when ../shared/data is absent).

// MW_SHARED_DATA in the environment overrides the build's path (worktrees sit elsewhere).
std::filesystem::path attribution(std::string_view rel) {
  const char* env = std::getenv("MW_SHARED_DATA");
  return std::filesystem::path(env != nullptr ? env : MW_SHARED_DATA) / "attribution" / rel;
}

#define REQUIRE_FILE(p)                                               \
  if (!std::filesystem::exists(p)) GTEST_SKIP() << "missing " << (p); \
  static_assert(true)

TEST(RealData, IpcatDatacentersAreIdcRanges) {
  const auto path = attribution("client9-ipcat/datacenters.csv");
  REQUIRE_FILE(path);
  RegistryData data;
  auto r = import_file(path, data);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GT(r->rows, 1000u);
  EXPECT_EQ(r->rows_rejected, 0u) << (r->diagnostics.empty() ? "" : to_string(r->diagnostics[0]));
  Registry reg(std::move(data));
  const auto o = reg.lookup(ip("3.0.1.2"));
  ASSERT_NE(o.org, nullptr);
  EXPECT_EQ(o.org->name, "Amazon AWS");
  EXPECT_EQ(o.org->type, OrgType::Cloud);
}

TEST(RealData, ChinaOperatorListsNameTheCarriers) {
  const auto dir = attribution("gaoyifan-china-operator-ip");
  REQUIRE_FILE(dir);
  RegistryData data;
  for (auto name : {"chinanet46.txt", "unicom46.txt", "cmcc46.txt", "cernet46.txt", "cstnet46.txt", "drpeng46.txt"}) {
    auto r = import_file(dir / name, data);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_GT(r->prefixes_added, 10u) << name;
    EXPECT_EQ(r->rows_rejected, 0u) << name;
  }
  Registry reg(std::move(data));
  const auto o = reg.lookup(ip("1.51.0.1"));  // first line of cernet.txt
  ASSERT_NE(o.org, nullptr);
  EXPECT_EQ(o.org->id, "cn-cernet");
  EXPECT_EQ(o.org->type, OrgType::University);
  EXPECT_GT(reg.stats().v6_prefixes, 100u);
}

TEST(RealData, MetowolfListsGiveProvincesCitiesAndClouds) {
  const auto dir = attribution("metowolf-iplist/data");
  REQUIRE_FILE(dir);
  RegistryData data;
  for (auto rel : {"isp/aliyun.txt", "isp/chinamobile.txt", "cncity/440100.txt", "country/CN/CN-GD.txt"}) {
    auto r = import_file(dir / rel, data);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->rows_rejected, 0u) << rel;
    EXPECT_GT(r->prefixes_added + r->regions_added, 10u) << rel;
  }
  const auto aliyun = data.find_org("cloud-aliyun");
  ASSERT_TRUE(aliyun);
  EXPECT_EQ(data.orgs[*aliyun].type, OrgType::Cloud);
  Registry reg(std::move(data));
  const auto gz = reg.lookup(ip("1.12.16.1"));  // cncity/440100.txt first line
  EXPECT_EQ(gz.province, "Guangdong");
  EXPECT_EQ(gz.city, "Guangzhou");
}

TEST(RealData, ChnroutesTextAndMmdbMarkMainlandChina) {
  const auto dir = attribution("misakaio-chnroutes2");
  REQUIRE_FILE(dir);
  RegistryData data;
  auto t = import_file(dir / "chnroutes.txt", data);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_GT(t->regions_added, 1000u);
  EXPECT_EQ(t->rows_rejected, 0u);
  RegistryData mm;
  auto m = import_file(dir / "chnroutes.mmdb", mm);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_GT(m->rows, 1000u);
  Registry reg(std::move(data));
  EXPECT_EQ(reg.lookup(ip("1.2.4.8")).country, "CN");
}

TEST(RealData, Ip2AsnSampleLoads) {
  const auto path = attribution("jpastuszek-asn-db/ip2asn-v4.tsv");
  REQUIRE_FILE(path);
  RegistryData data;
  auto r = import_file(path, data);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GT(r->prefixes_added, 500u);
  EXPECT_EQ(r->rows_rejected, 0u) << (r->diagnostics.empty() ? "" : to_string(r->diagnostics[0]));
  Registry reg(std::move(data));
  EXPECT_EQ(reg.lookup(ip("1.1.1.1")).org->id, "AS7497");
  EXPECT_EQ(reg.lookup(ip("1.1.1.2")).org->id, "AS13335");
}

TEST(RealData, Asn2OrgNamesAutonomousSystems) {
  const auto path = attribution("vincentbernat-asn2org/asns.csv");
  REQUIRE_FILE(path);
  RegistryData data;
  auto r = import_file(path, data);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GT(r->orgs_added, 10000u);
  EXPECT_EQ(r->rows_rejected, 0u) << (r->diagnostics.empty() ? "" : to_string(r->diagnostics[0]));
  const auto ud = data.find_org("AS2");
  ASSERT_TRUE(ud);
  EXPECT_EQ(data.orgs[*ud].name, "University of Delaware");
  EXPECT_EQ(data.orgs[*ud].type, OrgType::University);
}

TEST(RealData, MaxMindAsnAndIspDatabasesNameOrganisations) {
  const auto dir = attribution("maxmind-MaxMind-DB/test-data");
  REQUIRE_FILE(dir);
  RegistryData data;
  auto asn = import_file(dir / "GeoLite2-ASN-Test.mmdb", data);
  ASSERT_TRUE(asn) << asn.error().message;
  EXPECT_GT(asn->prefixes_added, 10u);
  EXPECT_EQ(asn->rows_rejected, 0u);
  auto isp = import_file(dir / "GeoIP2-ISP-Test.mmdb", data);
  ASSERT_TRUE(isp) << isp.error().message;
  EXPECT_GT(isp->prefixes_added, 10u);
  auto city = import_file(dir / "GeoIP2-City-Test.mmdb", data);
  ASSERT_TRUE(city) << city.error().message;
  EXPECT_GT(city->regions_added, 10u);
  Registry reg(std::move(data));
  // From the MaxMind test source data: 1.128.0.0/11 is AS1221 Telstra in the ASN database.
  const auto o = reg.lookup(ip("1.128.0.1"));
  ASSERT_NE(o.org, nullptr);
  EXPECT_FALSE(o.org->name.empty());
  const auto london = reg.lookup(ip("81.2.69.142"));
  EXPECT_EQ(london.country, "GB");
}

TEST(RealData, BrokenMaxMindDatabasesAreErrorsOrDiagnosticsNeverCrashes) {
  const auto root = attribution("maxmind-MaxMind-DB");
  REQUIRE_FILE(root);
  std::size_t files = 0;
  std::size_t complaints = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".mmdb") continue;
    ++files;
    RegistryData data;
    auto r = import_file(entry.path(), data);
    if (!r) {
      EXPECT_NE(r.error().message.find(entry.path().string()), std::string::npos);
      ++complaints;
    } else if (!r->diagnostics.empty()) {
      EXPECT_EQ(r->diagnostics[0].file, entry.path().string());
      ++complaints;
    }
  }
  EXPECT_GT(files, 40u);
  EXPECT_GT(complaints, 5u);
  RegistryData data;
  auto bad = import_file(root / "test-data/MaxMind-DB-test-broken-search-tree-24.mmdb", data);
  ASSERT_TRUE(bad);
  EXPECT_GT(bad->rows_rejected, 0u);
}

TEST(RealData, MissingFileIsAnErrorNamingIt) {
  RegistryData data;
  auto r = import_file("/nonexistent/prefixes.csv", data);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/prefixes.csv"), std::string::npos);
}

}  // namespace
}  // namespace minewatch::registry
