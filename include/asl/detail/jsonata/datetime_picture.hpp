// Date/time picture strings for $fromMillis and $toMillis (XPath F&O 3.1 §9.8 as jsonata-js implements it).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/integer_picture.hpp"
#include "asl/detail/jsonata/regex.hpp"
#include "asl/detail/jsonata/utf.hpp"

namespace asl::detail::jsonata {

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilDate {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;
};

inline CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

constexpr double millis_per_day = 86400000.0;

/// JavaScript's Date.UTC(y, m0, d, h, mi, s, ms): months overflow into years, years 0..99 mean
/// 1900..1999.
inline double js_date_utc(double y, double m0, double d, double h, double mi, double s, double ms) {
  for (double v : {y, m0, d, h, mi, s, ms}) {
    if (std::isnan(v)) return std::nan("");
  }
  y = std::trunc(y);
  if (y >= 0 && y <= 99) y += 1900;
  double ym = y + std::floor(m0 / 12);
  double mn = std::fmod(m0, 12);
  if (mn < 0) mn += 12;
  double days = static_cast<double>(days_from_civil(static_cast<std::int64_t>(ym), static_cast<unsigned>(mn) + 1, 1)) + d - 1;
  return days * millis_per_day + h * 3600000.0 + mi * 60000.0 + s * 1000.0 + ms;
}

/// The UTC fields of a time value.
struct UtcFields {
  std::int64_t year;
  int month;  // 0..11
  int day;
  int hours, minutes, seconds, millis;
  int weekday;  // 0 = Sunday, as getUTCDay
};

inline UtcFields utc_fields(double t) {
  double days = std::floor(t / millis_per_day);
  double rem = t - days * millis_per_day;
  CivilDate c = civil_from_days(static_cast<std::int64_t>(days));
  UtcFields f{};
  f.year = c.year;
  f.month = static_cast<int>(c.month) - 1;
  f.day = static_cast<int>(c.day);
  auto r = static_cast<std::int64_t>(rem);
  f.hours = static_cast<int>(r / 3600000);
  f.minutes = static_cast<int>(r / 60000 % 60);
  f.seconds = static_cast<int>(r / 1000 % 60);
  f.millis = static_cast<int>(r % 1000);
  auto wd = static_cast<std::int64_t>(days) % 7;
  f.weekday = static_cast<int>((wd + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  return f;
}

struct DateMarker {
  bool literal = true;
  std::string text;  // literal text
  char component = 0;
  std::string presentation1;
  std::string presentation2;
  bool has_width = false;
  std::optional<int> width_min, width_max;
  enum class Names { none, lower, upper, title } names = Names::none;
  bool has_integer = false;
  IntegerFormat integer;
  int year_digits = -1;  // `n` for Y
};

inline std::vector<DateMarker> analyse_datetime_picture(std::string_view picture) {
  std::vector<DateMarker> spec;
  auto add_literal = [&](std::size_t start, std::size_t end) {
    if (end <= start) return;
    std::string lit(picture.substr(start, end - start));
    std::string fixed;
    for (std::size_t i = 0; i < lit.size(); ++i) {
      fixed += lit[i];
      if (lit[i] == ']' && i + 1 < lit.size() && lit[i + 1] == ']') ++i;
    }
    DateMarker m;
    m.text = fixed;
    spec.push_back(m);
  };
  std::size_t start = 0, pos = 0;
  while (pos < picture.size()) {
    if (picture[pos] == '[') {
      if (pos + 1 < picture.size() && picture[pos + 1] == '[') {
        add_literal(start, pos);
        DateMarker m;
        m.text = "[";
        spec.push_back(m);
        pos += 2;
        start = pos;
        continue;
      }
      add_literal(start, pos);
      start = pos;
      pos = picture.find(']', start);
      if (pos == std::string_view::npos) throw Error("D3135");
      std::string marker;
      for (char ch : picture.substr(start + 1, pos - start - 1)) {
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') marker += ch;
      }
      DateMarker def;
      def.literal = false;
      def.component = marker.empty() ? '\0' : marker[0];
      std::size_t comma = marker.rfind(',');
      std::string pres;
      if (comma != std::string::npos) {
        std::string width = marker.substr(comma + 1);
        std::size_t dash = width.find('-');
        auto parse_width = [](const std::string& w) -> std::optional<int> {
          if (w.empty() || w == "*") return std::nullopt;
          double v = js_parse_int(w);
          if (std::isnan(v)) return std::nullopt;
          return static_cast<int>(v);
        };
        def.has_width = true;
        if (dash == std::string::npos) {
          def.width_min = parse_width(width);
        } else {
          def.width_min = parse_width(width.substr(0, dash));
          def.width_max = parse_width(width.substr(dash + 1));
        }
        pres = marker.substr(1, comma - 1);
      } else {
        pres = marker.size() > 1 ? marker.substr(1) : std::string();
      }
      if (pres.size() == 1) {
        def.presentation1 = pres;
      } else if (pres.size() > 1) {
        char last = pres.back();
        if (std::string_view("atco").find(last) != std::string_view::npos) {
          def.presentation2 = std::string(1, last);
          def.presentation1 = pres.substr(0, pres.size() - 1);
        } else {
          def.presentation1 = pres;
        }
      } else {
        static const std::map<char, std::string> defaults = {
            {'Y', "1"}, {'M', "1"}, {'D', "1"}, {'d', "1"}, {'F', "n"}, {'W', "1"}, {'w', "1"}, {'X', "1"}, {'x', "1"},
            {'H', "1"}, {'h', "1"}, {'P', "n"}, {'m', "01"}, {'s', "01"}, {'f', "1"}, {'Z', "01:01"}, {'z', "01:01"},
            {'C', "n"}, {'E', "n"}};
        auto it = defaults.find(def.component);
        if (it == defaults.end()) throw Error("D3132").with_value("\"" + std::string(1, def.component) + "\"");
        def.presentation1 = it->second;
      }
      if (def.presentation1[0] == 'n') {
        def.names = DateMarker::Names::lower;
      } else if (def.presentation1[0] == 'N') {
        def.names = def.presentation1.size() > 1 && def.presentation1[1] == 'n' ? DateMarker::Names::title : DateMarker::Names::upper;
      } else if (std::string_view("YMDdFWwXxHhmsf").find(def.component) != std::string_view::npos) {
        std::string pattern = def.presentation1;
        if (!def.presentation2.empty()) pattern += ";" + def.presentation2;
        def.integer = analyse_integer_picture(pattern);
        def.has_integer = true;
        if (def.width_min && def.integer.mandatory_digits < *def.width_min) def.integer.mandatory_digits = *def.width_min;
        if (def.component == 'Y') {
          def.year_digits = -1;
          if (def.width_max) {
            def.year_digits = *def.width_max;
            def.integer.mandatory_digits = def.year_digits;
          } else {
            int w = def.integer.mandatory_digits + def.integer.optional_digits;
            if (w >= 2) def.year_digits = w;
          }
        }
        if (!spec.empty() && spec.back().has_integer) spec.back().integer.parse_width = spec.back().integer.mandatory_digits;
      }
      if (def.component == 'Z' || def.component == 'z') {
        def.integer = analyse_integer_picture(def.presentation1);
        def.has_integer = true;
      }
      spec.push_back(def);
      start = pos + 1;
    }
    ++pos;
  }
  add_literal(start, pos);
  return spec;
}

namespace datetime_detail {

inline const char* const day_names[] = {"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
inline const char* const month_names[] = {"January", "February", "March",     "April",   "May",      "June",
                                          "July",    "August",   "September", "October", "November", "December"};

inline double start_of_first_week(std::int64_t year, int month) {
  double jan1 = js_date_utc(static_cast<double>(year), month, 1, 0, 0, 0, 0);
  int dow = utc_fields(jan1).weekday;
  if (dow == 0) dow = 7;
  return dow > 4 ? jan1 + (8 - dow) * millis_per_day : jan1 - (dow - 1) * millis_per_day;
}

inline double delta_weeks(double start, double end) { return (end - start) / (millis_per_day * 7) + 1; }

/// A numeric (or am/pm) component of a date, as jsonata-js's getDateTimeFragment.
inline double fragment(double t, char component, std::string* text = nullptr) {
  UtcFields f = utc_fields(t);
  auto y = static_cast<double>(f.year);
  switch (component) {
    case 'Y': return y;
    case 'M': return f.month + 1;
    case 'D': return f.day;
    case 'd': return (js_date_utc(y, f.month, f.day, 0, 0, 0, 0) - js_date_utc(y, 0, 1, 0, 0, 0, 0)) / millis_per_day + 1;
    case 'F': return f.weekday == 0 ? 7 : f.weekday;
    case 'W': {
      double start = start_of_first_week(f.year, 0);
      double today = js_date_utc(y, f.month, f.day, 0, 0, 0, 0);
      double week = delta_weeks(start, today);
      if (week > 52) {
        if (today >= start_of_first_week(f.year + 1, 0)) week = 1;
      } else if (week < 1) {
        week = delta_weeks(start_of_first_week(f.year - 1, 0), today);
      }
      return std::floor(week);
    }
    case 'w': {
      double start = start_of_first_week(f.year, f.month);
      double today = js_date_utc(y, f.month, f.day, 0, 0, 0, 0);
      double week = delta_weeks(start, today);
      if (week > 4) {
        std::int64_t ny = f.month == 11 ? f.year + 1 : f.year;
        int nm = f.month == 11 ? 0 : f.month + 1;
        if (today >= start_of_first_week(ny, nm)) week = 1;
      } else if (week < 1) {
        std::int64_t py = f.month == 0 ? f.year - 1 : f.year;
        int pm = f.month == 0 ? 11 : f.month - 1;
        week = delta_weeks(start_of_first_week(py, pm), today);
      }
      return std::floor(week);
    }
    case 'X': {
      double s = start_of_first_week(f.year, 0);
      double e = start_of_first_week(f.year + 1, 0);
      if (t < s) return y - 1;
      if (t >= e) return y + 1;
      return y;
    }
    case 'x': {
      double s = start_of_first_week(f.year, f.month);
      std::int64_t ny = f.month == 11 ? f.year + 1 : f.year;
      int nm = f.month == 11 ? 0 : f.month + 1;
      double e = start_of_first_week(ny, nm);
      if (t < s) return f.month == 0 ? 12 : f.month;
      if (t >= e) return nm + 1;
      return f.month + 1;
    }
    case 'H': return f.hours;
    case 'h': return f.hours % 12 == 0 ? 12 : f.hours % 12;
    case 'P':
      if (text) *text = f.hours >= 12 ? "pm" : "am";
      return f.hours >= 12 ? 1 : 0;
    case 'm': return f.minutes;
    case 's': return f.seconds;
    case 'f': return f.millis;
    case 'C':
    case 'E':
      if (text) *text = "ISO";
      return 0;
    default: return 0;
  }
}

}  // namespace datetime_detail

/// `$fromMillis(millis, picture, timezone)`.
inline std::string format_datetime(double millis, const std::vector<DateMarker>& spec, std::optional<std::string_view> timezone) {
  using namespace datetime_detail;
  double offset_hours = 0, offset_minutes = 0;
  if (timezone) {
    double offset = js_parse_int(*timezone);
    offset_hours = std::floor(offset / 100);
    offset_minutes = std::fmod(offset, 100);
  }
  double t = millis + (60 * offset_hours + offset_minutes) * 60000;
  std::string out;
  for (const DateMarker& m : spec) {
    if (m.literal) {
      out += m.text;
      continue;
    }
    char c = m.component;
    std::string text;
    if (std::string_view("YMDdFWwXxHhms").find(c) != std::string_view::npos) {
      double v = fragment(t, c);
      if (c == 'Y' && m.year_digits != -1) v = std::fmod(v, std::pow(10, m.year_digits));
      if (m.names != DateMarker::Names::none) {
        if (c == 'M' || c == 'x') {
          text = month_names[static_cast<int>(v) - 1];
        } else if (c == 'F') {
          text = day_names[static_cast<int>(v)];
        } else {
          throw Error("D3133").with_value("\"" + std::string(1, c) + "\"");
        }
        if (m.names == DateMarker::Names::upper) text = picture_detail::ascii_case(text, true);
        if (m.names == DateMarker::Names::lower) text = picture_detail::ascii_case(text, false);
        if (m.width_max && static_cast<int>(text.size()) > *m.width_max) text = text.substr(0, static_cast<std::size_t>(*m.width_max));
      } else {
        text = format_integer_with(v, m.integer);
      }
    } else if (c == 'f') {
      text = format_integer_with(fragment(t, c), m.integer);
    } else if (c == 'Z' || c == 'z') {
      double offset = offset_hours * 100 + offset_minutes;
      if (m.integer.regular) {
        text = format_integer_with(offset, m.integer);
      } else {
        int digits = m.integer.mandatory_digits;
        if (digits == 1 || digits == 2) {
          text = format_integer_with(offset_hours, m.integer);
          if (offset_minutes != 0) text += ":" + format_integer_with(offset_minutes, analyse_integer_picture("00"));
        } else if (digits == 3 || digits == 4) {
          text = format_integer_with(offset, m.integer);
        } else {
          throw Error("D3134").with_value(std::to_string(digits));
        }
      }
      if (offset >= 0) text = "+" + text;
      if (c == 'z') text = "GMT" + text;
      if (offset == 0 && m.presentation2 == "t") text = "Z";
    } else if (c == 'P') {
      fragment(t, c, &text);
      if (m.names == DateMarker::Names::upper) text = picture_detail::ascii_case(text, true);
    } else if (c == 'C' || c == 'E') {
      text = "ISO";
    } else {
      throw Error("D3132").with_value("\"" + std::string(1, c) + "\"");
    }
    out += text;
  }
  return out;
}

inline const std::vector<DateMarker>& iso_picture() {
  static const std::vector<DateMarker> spec = analyse_datetime_picture("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]");
  return spec;
}

/// The regex for an integer picture, as jsonata-js generates it for parsing.
inline std::string integer_regex(const IntegerFormat& f) {
  using P = IntegerFormat::Primary;
  bool upper = f.text_case == IntegerFormat::Case::upper;
  switch (f.primary) {
    case P::letters: return upper ? "[A-Z]+" : "[a-z]+";
    case P::roman: return upper ? "[MDCLXVI]+" : "[mdclxvi]+";
    case P::words: {
      using namespace picture_detail;
      std::string r = "(?:";
      auto lower = [](const char* s) { return ascii_case(s, false); };
      for (const char* w : few) r += lower(w) + "|";
      for (const char* w : ordinals) r += lower(w) + "|";
      for (const char* w : decades) {
        std::string d = lower(w);
        r += d + "|" + d.substr(0, d.size() - 1) + "ieth|";
      }
      r += "hundredth|";
      for (const char* w : magnitudes) r += lower(w) + "|" + lower(w) + "th|";
      r += "and|[\\-, ])+";
      return r;
    }
    case P::decimal: {
      std::string r = "[0-9]";
      r += f.parse_width > 0 ? "{" + std::to_string(f.parse_width) + "}" : "+";
      if (f.ordinal) r += "(?:th|st|nd|rd)";
      return r;
    }
    case P::sequence: throw Error("D3130").with_value("\"" + f.token + "\"");
  }
  return "";
}

/// `$toMillis(timestamp, picture)`: undefined when the text does not match the picture.
inline std::optional<double> parse_datetime(std::string_view timestamp, std::string_view picture, double now, StepCounter& steps) {
  using namespace datetime_detail;
  std::vector<DateMarker> spec = analyse_datetime_picture(picture);
  std::string full = "^";
  struct Part {
    char component = 0;
    int kind = 0;  // 0 literal, 1 timezone, 2 fraction, 3 integer, 4 name
    std::map<std::string, double> names;
    const DateMarker* marker = nullptr;
    char separator = 0;
  };
  std::vector<Part> parts;
  for (const DateMarker& m : spec) {
    Part p;
    p.marker = &m;
    std::string re;
    if (m.literal) {
      for (char ch : m.text) {
        if (std::string_view(".*+?^${}()|[]\\").find(ch) != std::string_view::npos) re += '\\';
        re += ch;
      }
    } else if (m.component == 'Z' || m.component == 'z') {
      p.kind = 1;
      if (m.integer.regular) p.separator = static_cast<char>(m.integer.regular_separator.character);
      if (m.component == 'z') re = "GMT";
      re += "[-+][0-9]+";
      if (p.separator) {
        re += p.separator;
        re += "[0-9]+";
      }
    } else if (m.component == 'f') {
      p.kind = 2;
      re = "[0-9]+";
    } else if (m.has_integer) {
      p.kind = 3;
      re = integer_regex(m.integer);
    } else {
      p.kind = 4;
      re = "[a-zA-Z]+";
      if (m.component == 'M' || m.component == 'x') {
        for (int i = 0; i < 12; ++i) {
          std::string n = month_names[i];
          if (m.width_max && *m.width_max > 0) n = n.substr(0, static_cast<std::size_t>(*m.width_max));
          p.names[n] = i + 1;
        }
      } else if (m.component == 'F') {
        for (int i = 1; i < 8; ++i) {
          std::string n = day_names[i];
          if (m.width_max && *m.width_max > 0) n = n.substr(0, static_cast<std::size_t>(*m.width_max));
          p.names[n] = i;
        }
      } else if (m.component == 'P') {
        p.names = {{"am", 0}, {"AM", 0}, {"pm", 1}, {"PM", 1}};
      } else {
        throw Error("D3133").with_value("\"" + std::string(1, m.component) + "\"");
      }
    }
    p.component = m.literal ? 0 : m.component;
    full += "(" + re + ")";
    parts.push_back(std::move(p));
  }
  full += "$";
  BacktrackRegex re(to_utf16(full), "i");
  std::u16string subject = to_utf16(timestamp);
  auto match = re.exec(subject, 0, steps);
  if (!match || match->start != 0) return std::nullopt;
  std::map<char, double> comps;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Part& p = parts[i];
    if (p.kind == 0) continue;
    const auto& g = match->groups[i];
    std::string v = to_utf8(std::u16string_view(subject).substr(g.first, g.second - g.first));
    double value = 0;
    switch (p.kind) {
      case 1: {
        if (p.component == 'z') v = v.substr(3);
        double oh = 0, om = 0;
        if (p.separator) {
          std::size_t at = v.find(p.separator);
          oh = js_parse_int(v.substr(0, at));
          om = js_parse_int(v.substr(at + 1));
        } else if (v.size() - 1 <= 2) {
          oh = js_parse_int(v);
        } else {
          oh = js_parse_int(v.substr(0, 3));
          om = js_parse_int(v.substr(3));
        }
        value = oh * 60 + om;
        break;
      }
      case 2: value = std::strtod(("0." + v.substr(0, 3)).c_str(), nullptr) * 1000; break;
      case 3: value = parse_integer_with(v, p.marker->integer); break;
      case 4: {
        auto it = p.names.find(v);
        value = it == p.names.end() ? std::nan("") : it->second;
        if (it == p.names.end()) {
          comps[p.component] = std::nan("");
          continue;
        }
        break;
      }
      default: break;
    }
    comps[p.component] = value;
  }
  if (comps.empty()) return std::nullopt;
  auto has = [&](char c) { return comps.count(c) > 0; };
  auto bit = [&](char c) {
    auto it = comps.find(c);
    return it != comps.end() && it->second != 0 && !std::isnan(it->second);
  };
  int mask = 0;
  for (char c : std::string_view("YXMxWwdD")) mask = (mask << 1) + (bit(c) ? 1 : 0);
  auto is_type = [&](int type) { return !(~type & mask) && (type & mask) != 0; };
  bool date_a = is_type(161);
  bool date_b = !date_a && is_type(130);
  bool date_c = is_type(84);
  bool date_d = !date_c && is_type(72);
  mask = 0;
  for (char c : std::string_view("PHhmsf")) mask = (mask << 1) + (bit(c) ? 1 : 0);
  bool time_a = is_type(23);
  bool time_b = !time_a && is_type(47);
  std::string order = std::string(date_b ? "YD" : date_c ? "XxwF" : date_d ? "XWF" : "YMD") + (time_b ? "Phmsf" : "Hmsf");
  bool start_specified = false, end_specified = false;
  for (char c : order) {
    if (!has(c)) {
      if (start_specified) {
        comps[c] = std::string_view("MDd").find(c) != std::string_view::npos ? 1 : 0;
        end_specified = true;
      } else {
        comps[c] = fragment(now, c);
      }
    } else {
      start_specified = true;
      if (end_specified) throw Error("D3136");
    }
  }
  double month = comps['M'] > 0 ? comps['M'] - 1 : 0;
  double day = comps.count('D') ? comps['D'] : 1;
  if (date_b) {
    double first = js_date_utc(comps['Y'], 0, 1, 0, 0, 0, 0);
    UtcFields f = utc_fields(first + (comps['d'] - 1) * millis_per_day);
    month = f.month;
    day = f.day;
  }
  if (date_c || date_d) throw Error("D3136");
  double hours = comps.count('H') ? comps['H'] : 0;
  if (time_b) {
    hours = comps['h'] == 12 ? 0 : comps['h'];
    if (comps['P'] == 1) hours += 12;
  }
  double millis = js_date_utc(comps['Y'], month, day, hours, comps['m'], comps['s'], comps['f']);
  double tz = comps.count('Z') && comps['Z'] != 0 ? comps['Z'] : comps.count('z') ? comps['z'] : 0;
  if (tz != 0 && !std::isnan(tz)) millis -= tz * 60000;
  return millis;
}

}  // namespace asl::detail::jsonata
