// TestState's TRACE level for an HTTP Task: the request its arguments describe and the response its result holds, as AWS's InspectionDataRequest/Response.
// SPDX-License-Identifier: MIT
//
// asl sends no HTTP request from TestState: the request is what the Task's effective input
// (ApiEndpoint, Method, Headers, QueryParameters, RequestBody, Transform) says to send, and the
// response is read from the result (a mock, or what TestStateOptions::invoke returned) in the
// HTTP Task's output shape {StatusCode, StatusText, Headers, ResponseBody}. What AWS adds on the
// wire (its User-Agent, Range and the connection's authorization headers) is not shown: asl
// holds no EventBridge connection.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "asl/detail/json/member.hpp"
#include "asl/json.hpp"
#include "asl/testing/test_state.hpp"

namespace asl::detail {

inline bool is_http_task(std::string_view resource) {
  static constexpr std::string_view http = "arn:aws:states:::http:invoke";
  return resource.compare(0, http.size(), http) == 0;
}

/// A value as the text an HTTP message carries: strings as they are, the rest as JSON.
inline std::string http_text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

/// RFC 3986 percent-encoding: every byte but the unreserved characters.
inline std::string http_percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_' ||
        b == '.' || b == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[b >> 4];
      out += hex[b & 15];
    }
  }
  return out;
}

/// `k=v&...` of an object; an array value per HTTP Task's ArrayFormat (INDICES, REPEAT,
/// COMMAS, BRACKETS).
inline std::string http_form(const Json& fields, std::string_view array_format) {
  std::string out;
  auto pair = [&](const std::string& k, const Json& v) {
    if (!out.empty()) out += '&';
    out += http_percent_encode(k) + "=" + http_percent_encode(http_text(v));
  };
  if (!fields.is_object()) return http_text(fields);
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (!it->is_array()) {
      pair(it.key(), *it);
      continue;
    }
    if (array_format == "COMMAS") {
      std::string joined;
      for (std::size_t i = 0; i < it->size(); ++i) joined += (i ? "," : "") + http_text((*it)[i]);
      pair(it.key(), Json(joined));
      continue;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      if (array_format == "REPEAT") pair(it.key(), (*it)[i]);
      else if (array_format == "BRACKETS") pair(it.key() + "[]", (*it)[i]);
      else pair(it.key() + "[" + std::to_string(i) + "]", (*it)[i]);
    }
  }
  return out;
}

/// Headers as one text, `[Name: value, Name: value]`; a header with several values (an array,
/// as an HTTP Task's output holds them) joins them with commas.
inline std::string http_headers_text(const Json& headers) {
  std::string out = "[";
  if (headers.is_object())
    for (auto it = headers.begin(); it != headers.end(); ++it) {
      if (out.size() > 1) out += ", ";
      std::string value;
      if (it->is_array())
        for (std::size_t i = 0; i < it->size(); ++i) value += (i ? "," : "") + http_text((*it)[i]);
      else
        value = http_text(*it);
      out += it.key() + ": " + value;
    }
  return out + "]";
}

/// The request an HTTP Task's effective input describes.
inline asl::testing::HttpRequestInspection http_request_inspection(const Json& args) {
  asl::testing::HttpRequestInspection r;
  static const Json none = Json::object();
  const Json& a = args.is_object() ? args : none;
  const Json* endpoint = json_member(a, "ApiEndpoint");
  r.url = endpoint ? http_text(*endpoint) : std::string();
  const auto scheme = r.url.find("://");
  r.protocol = scheme == std::string::npos ? "https" : r.url.substr(0, scheme);
  for (auto& c : r.protocol) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (const Json* q = json_member(a, "QueryParameters"); q && q->is_object() && !q->empty())
    r.url += (r.url.find('?') == std::string::npos ? "?" : "&") + http_form(*q, "REPEAT");
  if (const Json* m = json_member(a, "Method")) r.method = http_text(*m);
  r.headers = http_headers_text(json_member(a, "Headers") ? *json_member(a, "Headers") : none);
  if (const Json* body = json_member(a, "RequestBody")) {
    const Json* t = json_member(a, "Transform");
    const Json* encoding = t ? json_member(*t, "RequestBodyEncoding") : nullptr;
    if (encoding && encoding->is_string() && encoding->get_ref<const std::string&>() == "URL_ENCODED") {
      const Json* options = json_member(*t, "RequestEncodingOptions");
      const Json* format = options ? json_member(*options, "ArrayFormat") : nullptr;
      r.body = http_form(*body, format && format->is_string() ? format->get_ref<const std::string&>() : "INDICES");
    } else {
      r.body = http_text(*body);
    }
  }
  return r;
}

/// The response an HTTP Task's result holds (nothing when the result is not an object).
inline std::optional<asl::testing::HttpResponseInspection> http_response_inspection(const std::string& protocol,
                                                                                    const Json& result) {
  if (!result.is_object()) return std::nullopt;
  asl::testing::HttpResponseInspection r;
  r.protocol = protocol;
  if (const Json* c = json_member(result, "StatusCode")) r.status_code = http_text(*c);
  if (const Json* t = json_member(result, "StatusText")) r.status_message = http_text(*t);
  const Json* headers = json_member(result, "Headers");
  r.headers = http_headers_text(headers ? *headers : Json::object());
  if (const Json* b = json_member(result, "ResponseBody")) r.body = http_text(*b);
  return r;
}

}  // namespace asl::detail
