#!/usr/bin/env bash
# Measures the include cost of asl's headers: compile time of one TU per variant (best of N, -O0 and -O2), printed as a markdown table.
#
#   benchmarks/compile_time/measure.sh [-c CXX] [-r REPEATS] [-o "O0 O2"] [-I INCLUDE_DIR] [-x HEADER]...
#
#   -x HEADER   also measure a TU that includes only HEADER (repeatable), e.g. -x asl/detail/jsonpath/path.hpp -x fmt/format.h
#
# Variants (each a single translation unit, compiled to an object file with -std=c++17 -c):
#   empty          no include at all (the compiler's fixed start-up cost)
#   json           #include <nlohmann/json.hpp>                       (the baseline asl is compared with)
#   validate       #include <asl/validate.hpp> + a call               (the light header: check definitions only)
#   state_machine  #include <asl/state_machine.hpp>                   (load/validate definitions only, no engine)
#   asl            #include <asl/asl.hpp>                             (the umbrella header)
#   asl_use        asl.hpp + one typed handler, a Builder chain and Engine::run (what a small host instantiates)
#   asl_sep        asl.hpp with -DASL_SEPARATE_COMPILATION (declarations only; asl/detail/base/config.hpp)
#   asl_use_sep    asl_use with -DASL_SEPARATE_COMPILATION
#   impl           the one file that compiles asl in that mode: #include <asl/impl.hpp>
# Time = user + sys CPU seconds of the compiler (robust on a shared machine; wall time is printed too).
# Ratios are against `json` at the same optimisation level. Needs GNU /usr/bin/time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cxx="${CXX:-g++-12}" repeats=3 opts="O0 O2" inc="$here/../../include" extra=()
while getopts "c:r:o:I:x:h" o; do
  case "$o" in
    c) cxx="$OPTARG" ;; r) repeats="$OPTARG" ;; o) opts="$OPTARG" ;; I) inc="$OPTARG" ;; x) extra+=("$OPTARG") ;;
    *) sed -n '2,17p' "$0"; exit 64 ;;
  esac
done
command -v "$cxx" >/dev/null || { echo "measure.sh: compiler '$cxx' not found" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "measure.sh: needs GNU /usr/bin/time" >&2; exit 1; }
inc="$(cd "$inc" && pwd)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat >"$work/empty.cpp" <<'EOF'
int main() { return 0; }
EOF
cat >"$work/json.cpp" <<'EOF'
#include <nlohmann/json.hpp>
int main() { return 0; }
EOF
cat >"$work/validate.cpp" <<'EOF'
#include <asl/validate.hpp>
int main() { return asl::validate_definition("{}").empty() ? 1 : 0; }
EOF
cat >"$work/state_machine.cpp" <<'EOF'
#include <asl/state_machine.hpp>
int main() { return 0; }
EOF
cat >"$work/asl.cpp" <<'EOF'
#include <asl/asl.hpp>
int main() { return 0; }
EOF
cat >"$work/asl_use.cpp" <<'EOF'
#include <asl/asl.hpp>
#include <string>
struct Job { std::string dataset; double rate = 0.1; };
struct Score { double accuracy = 0; };
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Job, dataset, rate)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Score, accuracy)
int main() {
  auto train = asl::local("arn:aws:lambda:us-east-1:123456789012:function:train",
                          [](const Job& j) { return Score{j.rate < 0.2 ? 0.93 : 0.71}; });
  asl::Builder b;
  b.start_at("Train").task("Train", train).result_path("$.score").end();
  asl::Engine engine;
  return engine.run(b.build(), asl::Json{{"dataset", "d.csv"}, {"rate", 0.1}}).succeeded() ? 0 : 1;
}
EOF

cp "$work/asl.cpp" "$work/asl_sep.cpp"
cp "$work/asl_use.cpp" "$work/asl_use_sep.cpp"
printf '#include <asl/impl.hpp>\n' >"$work/impl.cpp"
variants=(empty json validate state_machine asl asl_use asl_sep asl_use_sep impl)
declare -A defs=([asl_sep]=-DASL_SEPARATE_COMPILATION [asl_use_sep]=-DASL_SEPARATE_COMPILATION
                 [impl]=-DASL_SEPARATE_COMPILATION)
for h in "${extra[@]}"; do
  v="${h//[^A-Za-z0-9_]/_}"
  printf '#include <%s>\nint main() { return 0; }\n' "$h" >"$work/$v.cpp"
  variants+=("$v")
done
declare -A cpu wall
for opt in $opts; do
  for v in "${variants[@]}"; do
    best_cpu="" best_wall=""
    for ((i = 0; i < repeats; ++i)); do
      /usr/bin/time -f '%U %S %e' -o "$work/t" "$cxx" -std=c++17 "-$opt" ${defs[$v]:-} -I "$inc" -c "$work/$v.cpp" -o "$work/$v.o"
      read -r u s e <"$work/t"
      c="$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')"
      if [[ -z "$best_cpu" ]] || awk -v a="$c" -v b="$best_cpu" 'BEGIN{exit !(a < b)}'; then best_cpu="$c"; fi
      if [[ -z "$best_wall" ]] || awk -v a="$e" -v b="$best_wall" 'BEGIN{exit !(a < b)}'; then best_wall="$e"; fi
    done
    cpu[$opt,$v]="$best_cpu" wall[$opt,$v]="$best_wall"
  done
done

echo "compiler: $("$cxx" --version | head -1); flags: -std=c++17 -c; best of $repeats; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| variant |'; for opt in $opts; do printf ' -%s CPU s | -%s wall s | -%s / json |' "$opt" "$opt" "$opt"; done; echo
printf '|---|'; for opt in $opts; do printf -- '---:|---:|---:|'; done; echo
for v in "${variants[@]}"; do
  printf '| %s |' "$v"
  for opt in $opts; do
    ratio="$(awk -v a="${cpu[$opt,$v]}" -v b="${cpu[$opt,json]}" 'BEGIN{ if (b > 0) printf "%.2f×", a / b; else print "-" }')"
    printf ' %s | %s | %s |' "${cpu[$opt,$v]}" "${wall[$opt,$v]}" "$ratio"
  done
  echo
done
