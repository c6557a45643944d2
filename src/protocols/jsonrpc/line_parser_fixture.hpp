#pragma once
// Test-only: the fixture every JSON-RPC family's parser tests share (one line in, one message out).
#include <gtest/gtest.h>

#include <string_view>

#include "protocols/jsonrpc/jsonrpc_parser.hpp"

namespace minewatch::protocols::jsonrpc {

class LineParserFixture : public ::testing::Test {
 protected:
  ParseStatus parse(std::string_view line) {
    anomaly = Anomaly::Count;
    return json.parse_line(line, msg, anomaly);
  }
  JsonRpcParser json;
  MiningMessage msg;
  Anomaly anomaly = Anomaly::Count;
};

}  // namespace minewatch::protocols::jsonrpc
