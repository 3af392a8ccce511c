// $formatNumber: XPath F&O 3.1 decimal-format picture strings, validated with D3080-D3093 as jsonata-js does.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/number.hpp"
#include "asl/detail/jsonata/utf.hpp"

namespace asl::detail::jsonata {

namespace format_number_detail {

using U16 = std::u16string;

inline std::size_t find(const U16& s, const U16& what, std::size_t from = 0) {
  if (what.empty()) return from <= s.size() ? from : U16::npos;
  return s.find(what, from);
}

inline long idx(std::size_t p) { return p == U16::npos ? -1 : static_cast<long>(p); }

struct Parts {
  U16 prefix, suffix, active, mantissa, integer, fractional, subpicture;
  bool has_exponent = false;
  U16 exponent;
};

struct Variables {
  std::vector<int> integer_grouping;
  int regular_grouping = 0;
  int min_integer = 0;
  int scaling = 0;
  U16 prefix;
  std::vector<int> fractional_grouping;
  int min_fraction = 0;
  int max_fraction = 0;
  int min_exponent = 0;
  U16 suffix;
  U16 picture;
};

/// A picture string analysed (and validated) once: what formatting a value needs.
struct Picture {
  U16 decimal_sep, grouping_sep, exponent_sep, percent, per_mille, minus_sign;
  char16_t zero = u'0';
  Variables vars[2];  ///< the positive and the negative sub-picture
};

/// Analyses `picture_utf8` with the decimal format `options`; throws D3080-D3093.
inline Picture compile_picture(std::string_view picture_utf8, const std::map<std::string, std::string>& options) {
  std::map<std::string, U16> props = {
      {"decimal-separator", u"."}, {"grouping-separator", u","}, {"exponent-separator", u"e"}, {"infinity", u"Infinity"},
      {"minus-sign", u"-"},        {"NaN", u"NaN"},              {"percent", u"%"},            {"per-mille", u"\u2030"},
      {"zero-digit", u"0"},        {"digit", u"#"},              {"pattern-separator", u";"}};
  for (const auto& [k, v] : options) props[k] = to_utf16(v);
  const U16 decimal_sep = props["decimal-separator"];
  const U16 grouping_sep = props["grouping-separator"];
  const U16 exponent_sep = props["exponent-separator"];
  const U16 percent = props["percent"];
  const U16 per_mille = props["per-mille"];
  const U16 digit = props["digit"];
  const U16 minus_sign = props["minus-sign"];
  const U16 zero_digit = props["zero-digit"];
  char16_t zero = zero_digit.empty() ? u'0' : zero_digit[0];
  auto is_family = [&](char16_t c) { return c >= zero && c < zero + 10; };
  auto first_unit = [](const U16& s) -> char16_t { return s.empty() ? char16_t(0xFFFF) : s[0]; };
  // Active characters: the digit family plus the separators and the digit sign.
  auto is_active = [&](char16_t c) {
    return is_family(c) || c == first_unit(decimal_sep) || c == first_unit(exponent_sep) || c == first_unit(grouping_sep) ||
           c == first_unit(digit) || c == first_unit(props["pattern-separator"]);
  };
  U16 picture = to_utf16(picture_utf8);
  std::vector<U16> subs;
  {
    const U16& ps = props["pattern-separator"];
    std::size_t start = 0;
    for (;;) {
      std::size_t at = ps.empty() ? U16::npos : picture.find(ps, start);
      if (at == U16::npos) {
        subs.push_back(picture.substr(start));
        break;
      }
      subs.push_back(picture.substr(start, at - start));
      start = at + ps.size();
    }
  }
  if (subs.size() > 2) throw Error("D3080");

  auto split_parts = [&](const U16& sp) {
    Parts p;
    p.subpicture = sp;
    for (std::size_t i = 0; i < sp.size(); ++i) {
      if (is_active(sp[i]) && sp[i] != first_unit(exponent_sep)) {
        p.prefix = sp.substr(0, i);
        break;
      }
    }
    for (std::size_t i = sp.size(); i-- > 0;) {
      if (is_active(sp[i]) && sp[i] != first_unit(exponent_sep)) {
        p.suffix = sp.substr(i + 1);
        break;
      }
    }
    p.active = sp.substr(p.prefix.size(), sp.size() - p.prefix.size() - p.suffix.size());
    long exp_pos = idx(find(sp, exponent_sep, p.prefix.size()));
    if (exp_pos == -1 || exp_pos > static_cast<long>(sp.size() - p.suffix.size())) {
      p.mantissa = p.active;
    } else {
      p.mantissa = p.active.substr(0, static_cast<std::size_t>(exp_pos));
      p.has_exponent = true;
      std::size_t from = static_cast<std::size_t>(exp_pos) + 1;
      p.exponent = from <= p.active.size() ? p.active.substr(from) : U16();
    }
    long dp = idx(find(p.mantissa, decimal_sep));
    if (dp == -1) {
      p.integer = p.mantissa;
      p.fractional = p.suffix;
    } else {
      p.integer = p.mantissa.substr(0, static_cast<std::size_t>(dp));
      p.fractional = p.mantissa.substr(static_cast<std::size_t>(dp) + 1);
    }
    return p;
  };

  auto validate = [&](const Parts& p) {
    const char* error = nullptr;
    const U16& sp = p.subpicture;
    long dpos = idx(find(sp, decimal_sep));
    if (dpos != idx(sp.rfind(decimal_sep))) error = "D3081";
    if (idx(find(sp, percent)) != idx(sp.rfind(percent))) error = "D3082";
    if (idx(find(sp, per_mille)) != idx(sp.rfind(per_mille))) error = "D3083";
    if (find(sp, percent) != U16::npos && find(sp, per_mille) != U16::npos) error = "D3084";
    bool valid = false;
    for (char16_t c : p.mantissa) valid = valid || is_family(c) || c == first_unit(digit);
    if (!valid) error = "D3085";
    for (char16_t c : p.active) {
      if (!is_active(c)) error = "D3086";
    }
    if (dpos != -1) {
      auto at = [&](long i) -> char16_t { return i >= 0 && i < static_cast<long>(sp.size()) ? sp[static_cast<std::size_t>(i)] : 0; };
      if (at(dpos - 1) == first_unit(grouping_sep) || at(dpos + 1) == first_unit(grouping_sep)) error = "D3087";
    } else if (!p.integer.empty() && p.integer.back() == first_unit(grouping_sep)) {
      error = "D3088";
    }
    if (find(sp, grouping_sep + grouping_sep) != U16::npos) error = "D3089";
    long opt = idx(find(p.integer, digit));
    if (opt != -1) {
      for (long i = 0; i < opt; ++i) {
        if (is_family(p.integer[static_cast<std::size_t>(i)])) error = "D3090";
      }
    }
    opt = idx(p.fractional.rfind(digit));
    if (opt != -1) {
      for (std::size_t i = static_cast<std::size_t>(opt); i < p.fractional.size(); ++i) {
        if (is_family(p.fractional[i])) error = "D3091";
      }
    }
    if (p.has_exponent && !p.exponent.empty() && (find(sp, percent) != U16::npos || find(sp, per_mille) != U16::npos)) error = "D3092";
    if (p.has_exponent) {
      bool bad = p.exponent.empty();
      for (char16_t c : p.exponent) bad = bad || !is_family(c);
      if (bad) error = "D3093";
    }
    if (error) throw Error(error);
  };

  auto analyse = [&](const Parts& p) {
    Variables v;
    auto grouping_positions = [&](const U16& part, bool to_left) {
      std::vector<int> positions;
      std::size_t g = find(part, grouping_sep);
      while (g != U16::npos) {
        U16 side = to_left ? part.substr(0, g) : part.substr(g);
        int n = 0;
        for (char16_t c : side) n += (is_family(c) || c == first_unit(digit)) ? 1 : 0;
        positions.push_back(n);
        // jsonata-js searches the integer part for the next separator, whichever part this is.
        g = find(p.integer, grouping_sep, g + 1);
        if (g != U16::npos && g >= part.size()) break;
      }
      return positions;
    };
    v.integer_grouping = grouping_positions(p.integer, false);
    if (!v.integer_grouping.empty()) {
      int factor = v.integer_grouping[0];
      for (int x : v.integer_grouping) factor = std::gcd(factor, x);
      for (std::size_t k = 1; k <= v.integer_grouping.size() && factor > 0; ++k) {
        bool found = false;
        for (int x : v.integer_grouping) found = found || x == static_cast<int>(k) * factor;
        if (!found) factor = 0;
      }
      v.regular_grouping = factor;
    }
    v.fractional_grouping = grouping_positions(p.fractional, true);
    for (char16_t c : p.integer) v.min_integer += is_family(c) ? 1 : 0;
    v.scaling = v.min_integer;
    for (char16_t c : p.fractional) {
      v.min_fraction += is_family(c) ? 1 : 0;
      v.max_fraction += (is_family(c) || c == first_unit(digit)) ? 1 : 0;
    }
    if (v.min_integer == 0 && v.max_fraction == 0) {
      if (p.has_exponent) {
        v.min_fraction = 1;
        v.max_fraction = 1;
      } else {
        v.min_integer = 1;
      }
    }
    if (p.has_exponent && v.min_integer == 0 && find(p.integer, digit) != U16::npos) v.min_integer = 1;
    if (v.min_integer == 0 && v.min_fraction == 0) v.min_fraction = 1;
    if (p.has_exponent) {
      for (char16_t c : p.exponent) v.min_exponent += is_family(c) ? 1 : 0;
    }
    v.prefix = p.prefix;
    v.suffix = p.suffix;
    v.picture = p.subpicture;
    return v;
  };

  std::vector<Parts> parts;
  for (const auto& s : subs) parts.push_back(split_parts(s));
  for (const auto& p : parts) validate(p);
  std::vector<Variables> vars;
  for (const auto& p : parts) vars.push_back(analyse(p));
  if (vars.size() == 1) {
    vars.push_back(vars[0]);
    vars[1].prefix = minus_sign + vars[1].prefix;
  }
  Picture out;
  out.decimal_sep = decimal_sep;
  out.grouping_sep = grouping_sep;
  out.exponent_sep = exponent_sep;
  out.percent = percent;
  out.per_mille = per_mille;
  out.minus_sign = minus_sign;
  out.zero = zero;
  out.vars[0] = std::move(vars[0]);
  out.vars[1] = std::move(vars[1]);
  return out;
}

/// Formats `value` with an analysed picture.
inline std::string format_with(const Picture& picture, double value) {
  const U16& decimal_sep = picture.decimal_sep;
  const U16& grouping_sep = picture.grouping_sep;
  const U16& exponent_sep = picture.exponent_sep;
  const U16& percent = picture.percent;
  const U16& per_mille = picture.per_mille;
  const U16& minus_sign = picture.minus_sign;
  const char16_t zero = picture.zero;
  const Variables& pic = value >= 0 ? picture.vars[0] : picture.vars[1];
  double adjusted = value;
  if (find(pic.picture, percent) != U16::npos) {
    adjusted = value * 100;
  } else if (find(pic.picture, per_mille) != U16::npos) {
    adjusted = value * 1000;
  }
  double mantissa = adjusted;
  bool has_exponent = pic.min_exponent != 0;
  double exponent = 0;
  if (has_exponent) {
    double max_m = std::pow(10, pic.scaling);
    double min_m = std::pow(10, pic.scaling - 1);
    if (mantissa != 0) {
      while (std::fabs(mantissa) < min_m) {
        mantissa *= 10;
        exponent -= 1;
      }
      while (std::fabs(mantissa) > max_m) {
        mantissa /= 10;
        exponent += 1;
      }
    }
  }
  double rounded = round_half_even(mantissa, pic.max_fraction);
  auto make_string = [&](double v, int dp) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", dp, std::fabs(v));
    U16 s = to_utf16(buf);
    if (zero != u'0') {
      for (char16_t& c : s) {
        if (c >= '0' && c <= '9') c = static_cast<char16_t>(zero + (c - '0'));
      }
    }
    return s;
  };
  U16 s = make_string(rounded, pic.max_fraction);
  std::size_t dot = s.find(u'.');
  if (dot == U16::npos) {
    s += decimal_sep;
  } else {
    s.replace(dot, 1, decimal_sep);
  }
  while (!s.empty() && s[0] == zero) s.erase(0, 1);
  while (!s.empty() && s.back() == zero) s.pop_back();
  long dpos = idx(find(s, decimal_sep));
  long pad_left = pic.min_integer - dpos;
  long pad_right = pic.min_fraction - (static_cast<long>(s.size()) - dpos - 1);
  if (pad_left > 0) s.insert(0, static_cast<std::size_t>(pad_left), zero);
  if (pad_right > 0) s.append(static_cast<std::size_t>(pad_right), zero);
  dpos = idx(find(s, decimal_sep));
  auto insert_at = [&](long pos) {
    if (pos < 0) pos = 0;
    if (pos > static_cast<long>(s.size())) pos = static_cast<long>(s.size());
    s.insert(static_cast<std::size_t>(pos), grouping_sep);
  };
  if (pic.regular_grouping > 0) {
    long groups = (dpos - 1) / pic.regular_grouping;
    for (long g = 1; g <= groups; ++g) insert_at(dpos - g * pic.regular_grouping);
  } else {
    for (int pos : pic.integer_grouping) {
      insert_at(dpos - pos);
      ++dpos;
    }
  }
  dpos = idx(find(s, decimal_sep));
  for (int pos : pic.fractional_grouping) insert_at(pos + dpos + 1);
  dpos = idx(find(s, decimal_sep));
  if (find(pic.picture, decimal_sep) == U16::npos || dpos == static_cast<long>(s.size()) - 1) {
    if (!s.empty()) s.pop_back();
  }
  if (has_exponent) {
    U16 e = make_string(exponent, 0);
    long pad = pic.min_exponent - static_cast<long>(e.size());
    if (pad > 0) e.insert(0, static_cast<std::size_t>(pad), zero);
    s += exponent_sep + (exponent < 0 ? minus_sign : U16()) + e;
  }
  return to_utf8(pic.prefix + s + pic.suffix);
}

}  // namespace format_number_detail

/// Formats `value` with an XPath decimal-format picture. `options` override the decimal format's
/// properties (`decimal-separator`, `grouping-separator`, `zero-digit`, ...).
inline std::string format_number(double value, std::string_view picture_utf8, const std::map<std::string, std::string>& options) {
  using namespace format_number_detail;
  // `items.$formatNumber(price, "#,##0.00")` formats with one picture many times in a row:
  // keep the last picture analysed (per thread), which was most of a call's cost.
  struct Last {
    std::string picture;
    std::map<std::string, std::string> options;
    std::optional<Picture> compiled;
  };
  thread_local Last last;
  if (!last.compiled || last.picture != picture_utf8 || last.options != options) {
    last.compiled.reset();
    Picture compiled = compile_picture(picture_utf8, options);  // throws: nothing is kept
    last.picture = std::string(picture_utf8);
    last.options = options;
    last.compiled = std::move(compiled);
  }
  return format_with(*last.compiled, value);
}

}  // namespace asl::detail::jsonata
