// Integer picture strings ($formatInteger, $parseInteger, date/time components): decimal digit families,
// grouping, ordinals, English words, Roman numerals and letters (XPath F&O 3.1 as jsonata-js reads it).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/number.hpp"
#include "asl/detail/jsonata/utf.hpp"

namespace asl::detail::jsonata {

struct IntegerFormat {
  enum class Primary { decimal, letters, roman, words, sequence } primary = Primary::decimal;
  enum class Case { upper, lower, title } text_case = Case::lower;
  bool ordinal = false;
  char32_t zero = 0;  // zero digit of the decimal digit family (0 = none seen)
  int mandatory_digits = 0;
  int optional_digits = 0;
  struct Separator {
    int position = 0;
    char32_t character = 0;
  };
  bool regular = false;
  std::vector<Separator> separators;  // irregular grouping, in picture order from the right
  Separator regular_separator;
  std::string token;  // the picture of an unsupported sequence (D3130)
  int parse_width = 0;
};

/// The zero digits of the Unicode decimal digit families jsonata-js recognises.
inline constexpr char32_t decimal_zeros[] = {0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6,
                                             0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0,
                                             0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
                                             0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10};

inline std::u32string to_code_points(std::string_view s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) out += utf8_next(s, i);
  return out;
}

inline std::string from_code_points(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) utf8_append(out, c);
  return out;
}

inline IntegerFormat analyse_integer_picture(std::string_view picture) {
  IntegerFormat f;
  std::string_view primary = picture;
  std::size_t semi = picture.rfind(';');
  if (semi != std::string_view::npos) {
    primary = picture.substr(0, semi);
    std::string_view modifier = picture.substr(semi + 1);
    if (!modifier.empty() && modifier[0] == 'o') f.ordinal = true;
  }
  using P = IntegerFormat::Primary;
  using C = IntegerFormat::Case;
  if (primary == "A" || primary == "a") {
    f.primary = P::letters;
    f.text_case = primary == "A" ? C::upper : C::lower;
    return f;
  }
  if (primary == "I" || primary == "i") {
    f.primary = P::roman;
    f.text_case = primary == "I" ? C::upper : C::lower;
    return f;
  }
  if (primary == "W" || primary == "Ww" || primary == "w") {
    f.primary = P::words;
    f.text_case = primary == "W" ? C::upper : primary == "Ww" ? C::title : C::lower;
    return f;
  }
  std::u32string cps = to_code_points(primary);
  int separator_position = 0;
  std::vector<IntegerFormat::Separator> seps;
  for (auto it = cps.rbegin(); it != cps.rend(); ++it) {
    char32_t cp = *it;
    bool digit = false;
    for (char32_t z : decimal_zeros) {
      if (cp >= z && cp <= z + 9) {
        digit = true;
        ++f.mandatory_digits;
        ++separator_position;
        if (f.zero == 0) {
          f.zero = z;
        } else if (z != f.zero) {
          throw Error("D3131");
        }
        break;
      }
    }
    if (!digit) {
      if (cp == '#') {
        ++separator_position;
        ++f.optional_digits;
      } else {
        seps.push_back({separator_position, cp});
      }
    }
  }
  if (f.mandatory_digits == 0) {
    f.primary = P::sequence;
    f.token = std::string(primary);
    return f;
  }
  // Regular grouping: one separator character at every multiple of some interval.
  int factor = 0;
  if (!seps.empty()) {
    bool same = true;
    for (const auto& s : seps) same = same && s.character == seps[0].character;
    if (same) {
      int g = seps[0].position;
      for (const auto& s : seps) g = std::gcd(g, s.position);
      factor = g;
      for (std::size_t k = 1; k <= seps.size() && factor > 0; ++k) {
        bool found = false;
        for (const auto& s : seps) found = found || s.position == static_cast<int>(k) * g;
        if (!found) factor = 0;
      }
    }
  }
  if (factor > 0) {
    f.regular = true;
    f.regular_separator = {factor, seps[0].character};
  } else {
    f.separators = seps;
  }
  return f;
}

namespace picture_detail {

inline const char* const few[] = {"Zero",    "One",     "Two",       "Three",    "Four",     "Five",    "Six",
                                  "Seven",   "Eight",   "Nine",      "Ten",      "Eleven",   "Twelve",  "Thirteen",
                                  "Fourteen", "Fifteen", "Sixteen",  "Seventeen", "Eighteen", "Nineteen"};
inline const char* const ordinals[] = {"Zeroth",     "First",      "Second",     "Third",       "Fourth",
                                       "Fifth",      "Sixth",      "Seventh",    "Eighth",      "Ninth",
                                       "Tenth",      "Eleventh",   "Twelfth",    "Thirteenth",  "Fourteenth",
                                       "Fifteenth",  "Sixteenth",  "Seventeenth", "Eighteenth", "Nineteenth"};
inline const char* const decades[] = {"Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"};
inline const char* const magnitudes[] = {"Thousand", "Million", "Billion", "Trillion"};

// English words for a number. Recursion follows the number's magnitude (at most a few levels).
inline std::string words(double num, bool prev, bool ord) {
  std::string out;
  if (num <= 19) {
    out = std::string(prev ? " and " : "") + (ord ? ordinals[static_cast<int>(num)] : few[static_cast<int>(num)]);
  } else if (num < 100) {
    int tens = static_cast<int>(std::floor(num / 10));
    double rem = std::fmod(num, 10);
    out = std::string(prev ? " and " : "") + decades[tens - 2];
    if (rem > 0) {
      out += "-" + words(rem, false, ord);
    } else if (ord) {
      out = out.substr(0, out.size() - 1) + "ieth";
    }
  } else if (num < 1000) {
    int hundreds = static_cast<int>(std::floor(num / 100));
    double rem = std::fmod(num, 100);
    out = std::string(prev ? ", " : "") + few[hundreds] + " Hundred";
    if (rem > 0) {
      out += words(rem, true, ord);
    } else if (ord) {
      out += "th";
    }
  } else {
    int mag = static_cast<int>(std::floor(std::log10(num) / 3));
    if (mag > 4) mag = 4;
    double factor = std::pow(10, mag * 3);
    double mant = std::floor(num / factor);
    double rem = num - mant * factor;
    out = std::string(prev ? ", " : "") + words(mant, false, false) + " " + magnitudes[mag - 1];
    if (rem > 0) {
      out += words(rem, true, ord);
    } else if (ord) {
      out += "th";
    }
  }
  return out;
}

inline std::string roman(double value) {
  static const std::pair<int, const char*> numerals[] = {{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"},
                                                        {90, "xc"},   {50, "l"},    {40, "xl"},  {10, "x"},   {9, "ix"},
                                                        {5, "v"},     {4, "iv"},    {1, "i"}};
  std::string out;
  for (const auto& [v, text] : numerals) {
    while (value >= v) {
      out += text;
      value -= v;
    }
  }
  return out;
}

inline std::string letters(double value, char a) {
  std::string out;
  while (value > 0) {
    out.insert(out.begin(), static_cast<char>(std::fmod(value - 1, 26) + a));
    value = std::floor((value - 1) / 26);
  }
  return out;
}

inline std::string ascii_case(std::string s, bool upper) {
  for (char& c : s) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return s;
}

}  // namespace picture_detail

inline std::string format_integer_with(double value, const IntegerFormat& f) {
  using P = IntegerFormat::Primary;
  using C = IntegerFormat::Case;
  bool negative = value < 0;
  value = std::fabs(value);
  std::string out;
  switch (f.primary) {
    case P::letters: out = picture_detail::letters(value, f.text_case == C::upper ? 'A' : 'a'); break;
    case P::roman:
      out = picture_detail::roman(value);
      if (f.text_case == C::upper) out = picture_detail::ascii_case(out, true);
      break;
    case P::words:
      out = picture_detail::words(value, false, f.ordinal);
      if (f.text_case == C::upper) out = picture_detail::ascii_case(out, true);
      if (f.text_case == C::lower) out = picture_detail::ascii_case(out, false);
      break;
    case P::decimal: {
      std::u32string digits = to_code_points(js_number_to_string(value));
      if (static_cast<int>(digits.size()) < f.mandatory_digits) {
        digits.insert(0, static_cast<std::size_t>(f.mandatory_digits) - digits.size(), U'0');
      }
      if (f.zero != 0x30) {
        for (char32_t& c : digits) c = c + f.zero - 0x30;
      }
      if (f.regular) {
        int p = f.regular_separator.position;
        int n = (static_cast<int>(digits.size()) - 1) / p;
        for (int ii = n; ii > 0; --ii) {
          auto pos = static_cast<std::size_t>(static_cast<int>(digits.size()) - ii * p);
          digits.insert(pos, 1, f.regular_separator.character);
        }
      } else {
        for (auto it = f.separators.rbegin(); it != f.separators.rend(); ++it) {
          int pos = static_cast<int>(digits.size()) - it->position;
          if (pos < 0) pos = 0;
          digits.insert(static_cast<std::size_t>(pos), 1, it->character);
        }
      }
      if (f.ordinal) {
        char32_t last = digits.empty() ? 0 : digits.back();
        const char* suffix = last == '1' ? "st" : last == '2' ? "nd" : last == '3' ? "rd" : "th";
        if (digits.size() > 1 && digits[digits.size() - 2] == '1') suffix = "th";
        out = from_code_points(digits) + suffix;
      } else {
        out = from_code_points(digits);
      }
      break;
    }
    case P::sequence: throw Error("D3130").with_value("\"" + f.token + "\"");
  }
  return negative ? "-" + out : out;
}

/// The value of an English number phrase (jsonata-js wordsToNumber); NaN for unknown words.
inline double words_to_number(std::string_view text) {
  auto value_of = [](std::string_view w) -> double {
    using namespace picture_detail;
    auto lower = [](const char* s) { return ascii_case(s, false); };
    for (int i = 0; i < 20; ++i) {
      if (w == lower(few[i]) || w == lower(ordinals[i])) return i;
    }
    for (int i = 0; i < 9; ++i) {
      std::string d = lower(decades[i]);
      if (w == d || w == d.substr(0, d.size() - 1) + "ieth") return (i + 2) * 10;
    }
    if (w == "hundredth") return 100;
    for (int i = 0; i < 4; ++i) {
      std::string m = lower(magnitudes[i]);
      if (w == m || w == m + "th") return std::pow(10, (i + 1) * 3);
    }
    return std::nan("");
  };
  // Split on ", ", " and ", whitespace and '-'.
  std::vector<std::string> parts;
  std::string cur;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ',' && i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '\t')) {
      parts.push_back(cur);
      cur.clear();
      ++i;
    } else if ((c == ' ' || c == '\t') && text.substr(i + 1, 4) == "and " ) {
      parts.push_back(cur);
      cur.clear();
      i += 4;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '-') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  std::vector<double> segs{0};
  for (const auto& p : parts) {
    double v = value_of(p);
    if (v < 100) {
      double top = segs.back();
      segs.pop_back();
      if (top >= 1000) {
        segs.push_back(top);
        top = 0;
      }
      segs.push_back(top + v);
    } else if (v >= 100) {
      double top = segs.back();
      segs.pop_back();
      segs.push_back(top * v);
    } else {
      return std::nan("");
    }
  }
  double sum = 0;
  for (double s : segs) sum += s;
  return sum;
}

/// JavaScript's parseInt(s, 10): optional sign and leading digits; NaN when there are none.
inline double js_parse_int(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  double v = 0;
  std::size_t start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0');
  if (i == start) return std::nan("");
  return neg ? -v : v;
}

/// `$parseInteger` for one analysed picture (the regex the picture implies is only needed when
/// the integer is part of a date/time picture).
inline double parse_integer_with(std::string_view value, const IntegerFormat& f) {
  using P = IntegerFormat::Primary;
  using C = IntegerFormat::Case;
  switch (f.primary) {
    case P::letters: {
      char a = f.text_case == C::upper ? 'A' : 'a';
      double v = 0;
      for (std::size_t i = 0; i < value.size(); ++i) {
        v += (value[value.size() - i - 1] - a + 1) * std::pow(26, static_cast<double>(i));
      }
      return v;
    }
    case P::roman: {
      auto rv = [](char c) -> double {
        switch (c) {
          case 'M': return 1000;
          case 'D': return 500;
          case 'C': return 100;
          case 'L': return 50;
          case 'X': return 10;
          case 'V': return 5;
          case 'I': return 1;
          default: return std::nan("");
        }
      };
      std::string up = picture_detail::ascii_case(std::string(value), true);
      double dec = 0, max = 1;
      for (std::size_t i = up.size(); i-- > 0;) {
        double v = rv(up[i]);
        if (v < max) {
          dec -= v;
        } else {
          max = v;
          dec += v;
        }
      }
      return dec;
    }
    case P::words: return words_to_number(picture_detail::ascii_case(std::string(value), false));
    case P::decimal: {
      std::u32string digits = to_code_points(value);
      if (f.ordinal && digits.size() >= 2) digits.resize(digits.size() - 2);
      std::u32string kept;
      for (char32_t c : digits) {
        bool sep = false;
        if (f.regular) {
          sep = c == ',';
        } else {
          for (const auto& s : f.separators) sep = sep || s.character == c;
        }
        if (!sep) kept += f.zero != 0x30 && f.zero != 0 ? static_cast<char32_t>(c - f.zero + 0x30) : c;
      }
      return js_parse_int(from_code_points(kept));
    }
    case P::sequence: throw Error("D3130").with_value("\"" + f.token + "\"");
  }
  return std::nan("");
}

}  // namespace asl::detail::jsonata
