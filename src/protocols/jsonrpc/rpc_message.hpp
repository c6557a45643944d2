#pragma once
// One decoded JSON-RPC object, handed by JsonRpcParser to the per-family interpreters. Elements point
// into the parser's DOM and are valid until its next decode.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace minewatch::protocols::jsonrpc {

struct RpcMessage {
  simdjson::dom::object root;
  std::string_view method;  // empty unless has_method
  simdjson::dom::element params;
  simdjson::dom::element result;
  simdjson::dom::element error;
  bool has_method = false;
  bool has_params = false;
  bool has_result = false;
  bool has_error = false;  // "error" present (possibly null)
  bool has_id = false;     // "id" present and not null
  std::uint64_t id_hash = 0;
};

// Small typed accessors over simdjson DOM elements: absent or wrong type -> nullopt / false.
inline bool is_null(simdjson::dom::element e) { return e.type() == simdjson::dom::element_type::NULL_VALUE; }
inline bool is_string(simdjson::dom::element e) { return e.type() == simdjson::dom::element_type::STRING; }
inline bool is_array(simdjson::dom::element e) { return e.type() == simdjson::dom::element_type::ARRAY; }
inline bool is_object(simdjson::dom::element e) { return e.type() == simdjson::dom::element_type::OBJECT; }
inline bool is_number(simdjson::dom::element e) {
  auto t = e.type();
  return t == simdjson::dom::element_type::INT64 || t == simdjson::dom::element_type::UINT64 ||
         t == simdjson::dom::element_type::DOUBLE;
}

inline std::optional<std::string_view> as_string(simdjson::dom::element e) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

inline std::optional<double> as_number(simdjson::dom::element e) {
  if (!is_number(e)) return std::nullopt;
  double d = 0;
  if (e.get_double().get(d) != simdjson::SUCCESS) return std::nullopt;
  return d;
}

inline std::optional<simdjson::dom::array> as_array(simdjson::dom::element e) {
  simdjson::dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) return std::nullopt;
  return a;
}

inline std::optional<simdjson::dom::object> as_object(simdjson::dom::element e) {
  simdjson::dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return std::nullopt;
  return o;
}

inline std::optional<simdjson::dom::element> field(simdjson::dom::object o, std::string_view key) {
  simdjson::dom::element e;
  if (o.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
  return e;
}

inline std::optional<std::string_view> string_field(simdjson::dom::object o, std::string_view key) {
  auto e = field(o, key);
  return e ? as_string(*e) : std::nullopt;
}

inline std::optional<simdjson::dom::element> at(simdjson::dom::array a, std::size_t i) {
  simdjson::dom::element e;
  if (a.at(i).get(e) != simdjson::SUCCESS) return std::nullopt;
  return e;
}

inline std::optional<std::string_view> string_at(simdjson::dom::array a, std::size_t i) {
  auto e = at(a, i);
  return e ? as_string(*e) : std::nullopt;
}

}  // namespace minewatch::protocols::jsonrpc
