// Typed task handlers: Out(In[, TaskContext&]) and Result<Out>(In[, ...]) adapted to TaskHandler.
// SPDX-License-Identifier: MIT
//
// Templates stay at this edge (house rule 4.1.2): the input is converted from JSON once per call,
// the callable runs, its output is converted back, and everything behind the one erased
// asl::TaskHandler sees JSON only (fmt's format -> vformat idea). User types travel through
// nlohmann's ADL hooks (from_json / to_json, e.g. NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE): nothing
// asl-specific is needed.
#pragma once

#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define ASL_DETAIL_HAS_CXXABI 1
#endif

#include <nlohmann/json.hpp>

#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"
#include "asl/task.hpp"

namespace asl {

namespace errors {
/// A typed handler's input could not be converted to its C++ parameter type (the task failed
/// before the handler ran). Not a `States.` name, since those are reserved for the language;
/// like any task error it is matched by `States.TaskFailed` and `States.ALL` in Retry/Catch.
/// Retrying cannot fix it, so put `{"ErrorEquals": ["Asl.InputConversionFailed"],
/// "MaxAttempts": 0}` before a `States.TaskFailed` retrier when retries are costly.
inline constexpr std::string_view input_conversion_failed = "Asl.InputConversionFailed";
}  // namespace errors

/// Names a type in conversion-failure causes. Specialise it when the demangled name is not what
/// your users should read:
/// @code
/// template <> struct asl::TypeName<TrainJob> {
///   static constexpr std::string_view value = "TrainJob";
/// };
/// @endcode
template <class T, class = void>
struct TypeName {};

namespace detail {

template <class T, class = void>
struct has_type_name : std::false_type {};
template <class T>
struct has_type_name<T, std::void_t<decltype(TypeName<T>::value)>> : std::true_type {};

/// The user-supplied TypeName<T>::value, else the demangled typeid name (without RTTI: a
/// generic phrase, since the cause must stay readable either way).
template <class T>
std::string type_name() {
  if constexpr (has_type_name<T>::value) {
    return std::string(TypeName<T>::value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return "std::string";  // the demangled spelling names the allocator and the ABI namespace
  } else {
#if defined(__cpp_rtti) || defined(__GXX_RTTI) || defined(_CPPRTTI)
    const char* raw = typeid(T).name();
#if defined(ASL_DETAIL_HAS_CXXABI)
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> demangled(
        abi::__cxa_demangle(raw, nullptr, nullptr, &status), std::free);
    if (status == 0 && demangled) return std::string(demangled.get());
#endif
    return std::string(raw);
#else
    return "the handler's input type";
#endif
  }
}

/// Whether nlohmann can read T from / write T to the JSON type J (SFINAE-friendly in 3.10+).
template <class J, class T, class = void>
struct json_readable : std::false_type {};
template <class J, class T>
struct json_readable<J, T, std::void_t<decltype(std::declval<const J&>().template get<T>())>>
    : std::true_type {};
template <class J, class T, class = void>
struct json_writable : std::false_type {};
template <class J, class T>
struct json_writable<J, T, std::void_t<decltype(J(std::declval<const T&>()))>> : std::true_type {};

template <class T>
using remove_cvref_t = std::remove_cv_t<std::remove_reference_t<T>>;

template <class T>
inline constexpr bool is_readable_v = std::is_same_v<T, Json> ||
                                      (std::is_move_constructible_v<T> &&
                                       (json_readable<Json, T>::value ||
                                        json_readable<nlohmann::json, T>::value));

template <class T>
inline constexpr bool is_writable_v = std::is_same_v<T, Json> || json_writable<Json, T>::value ||
                                      json_writable<nlohmann::json, T>::value;

/// T from the task input. nlohmann 3.11.2's NLOHMANN_DEFINE_TYPE_* macros define from_json for
/// nlohmann::json only, not for asl::Json (ordered_json), hence the detour when needed.
template <class T>
T read_json(const Json& in) {
  if constexpr (json_readable<Json, T>::value) {
    return in.template get<T>();
  } else {
    return nlohmann::json(in).template get<T>();
  }
}

/// The task result from Out. Through nlohmann::json, object keys come out sorted by name.
template <class T>
Json write_json(T&& value) {
  using U = remove_cvref_t<T>;
  if constexpr (std::is_same_v<U, Json>) {
    return Json(std::forward<T>(value));
  } else if constexpr (json_writable<Json, U>::value) {
    return Json(std::forward<T>(value));
  } else {
    return Json(nlohmann::json(std::forward<T>(value)));
  }
}

/// Result<T> -> T, anything else -> itself (the value a handler produces on success).
template <class T>
struct result_value {
  using type = T;
  static constexpr bool is_result = false;
};
template <class T>
struct result_value<Result<T>> {
  using type = T;
  static constexpr bool is_result = true;
};

/// The call shape of a callable with one non-template call operator, or of a function.
template <class R, class... A>
struct Signature {
  static constexpr bool deduced = true;
  using Ret = R;
  using Args = std::tuple<A...>;
  static constexpr std::size_t arity = sizeof...(A);
};
template <class F, class = void>
struct CallShape {
  static constexpr bool deduced = false;
};
template <class R, class... A>
struct CallShape<R (*)(A...), void> : Signature<R, A...> {};
template <class R, class... A>
struct CallShape<R (*)(A...) noexcept, void> : Signature<R, A...> {};
template <class F>
struct MemberShape {
  static constexpr bool deduced = false;
};
template <class R, class C, class... A>
struct MemberShape<R (C::*)(A...)> : Signature<R, A...> {};
template <class R, class C, class... A>
struct MemberShape<R (C::*)(A...) const> : Signature<R, A...> {};
template <class R, class C, class... A>
struct MemberShape<R (C::*)(A...) noexcept> : Signature<R, A...> {};
template <class R, class C, class... A>
struct MemberShape<R (C::*)(A...) const noexcept> : Signature<R, A...> {};
template <class F>
struct CallShape<F, std::void_t<decltype(&F::operator())>> : MemberShape<decltype(&F::operator())> {
};

/// The handler's parameter and return types, checked against the accepted signatures.
/// Callables whose call operator cannot be named (generic lambdas, overload sets) are accepted
/// when they take `const Json&` (and optionally `TaskContext&`), as before typed handlers.
template <class Param, class Ret, bool WithContext>
struct HandlerParts {
  using In = remove_cvref_t<Param>;
  using Raw = remove_cvref_t<Ret>;
  static constexpr bool returns_result = result_value<Raw>::is_result;
  using Out = typename result_value<Raw>::type;
  static constexpr bool with_context = WithContext;
  /// Already TaskHandler's own signature: stored as is, with no adapter in between.
  static constexpr bool erased =
      WithContext && std::is_same_v<Param, const Json&> && std::is_same_v<Ret, Result<Json>>;
  static constexpr bool param_ok =
      !std::is_same_v<In, TaskContext> &&
      (!std::is_reference_v<Param> ||
       (std::is_lvalue_reference_v<Param> && std::is_const_v<std::remove_reference_t<Param>>));
  static constexpr bool valid = param_ok && !std::is_void_v<Ret> && !std::is_same_v<Raw, Error> &&
                                is_readable_v<In> && is_writable_v<remove_cvref_t<Out>>;
};

struct InvalidShape {
  static constexpr bool valid = false;
};

template <class F, class = void>
struct HandlerShape : InvalidShape {};

template <class F, std::size_t Arity>
struct DeducedHandlerShape : InvalidShape {};
template <class F>
struct DeducedHandlerShape<F, 1>
    : HandlerParts<std::tuple_element_t<0, typename CallShape<F>::Args>, typename CallShape<F>::Ret,
                   false> {};
template <class F>
struct DeducedHandlerShape<F, 2>
    : std::conditional_t<
          std::is_same_v<std::tuple_element_t<1, typename CallShape<F>::Args>, TaskContext&>,
          HandlerParts<std::tuple_element_t<0, typename CallShape<F>::Args>,
                       typename CallShape<F>::Ret, true>,
          InvalidShape> {};

template <class F>
struct HandlerShape<F, std::enable_if_t<CallShape<F>::deduced>>
    : DeducedHandlerShape<F, CallShape<F>::arity> {};

template <class F>
struct HandlerShape<F, std::enable_if_t<!CallShape<F>::deduced &&
                                        std::is_invocable_v<F&, const Json&, TaskContext&>>>
    : HandlerParts<const Json&, std::invoke_result_t<F&, const Json&, TaskContext&>, true> {};

template <class F>
struct HandlerShape<F, std::enable_if_t<!CallShape<F>::deduced &&
                                        !std::is_invocable_v<F&, const Json&, TaskContext&> &&
                                        std::is_invocable_v<F&, const Json&>>>
    : HandlerParts<const Json&, std::invoke_result_t<F&, const Json&>, false> {};

/// The failure a typed handler reports when its input does not convert (see
/// errors::input_conversion_failed).
inline Error input_conversion_error(const TaskContext& ctx, const std::string& type,
                                    std::string_view reason) {
  std::string cause = "Task state '";
  cause += ctx.state_name;
  cause += "' could not convert its input to the handler's parameter type ";
  cause += type;
  cause += ": ";
  cause += reason;
  return Error(std::string(errors::input_conversion_failed), std::move(cause));
}

/// The erased adapter: converts In once, calls, converts Out once.
template <class Fn, class Shape>
class TypedHandler {
 public:
  explicit TypedHandler(Fn fn) : fn_(std::move(fn)) {}

  Result<Json> operator()(const Json& input, TaskContext& ctx) {
    using In = typename Shape::In;
    if constexpr (std::is_same_v<In, Json>) {
      return finish(call(input, ctx));
    } else {
      std::optional<In> arg;
      try {
        arg.emplace(read_json<In>(input));
      } catch (const std::exception& e) {
        return input_conversion_error(ctx, type_name<In>(), e.what());
      } catch (...) {
        return input_conversion_error(ctx, type_name<In>(), "unknown exception");
      }
      return finish(call(std::move(*arg), ctx));
    }
  }

 private:
  template <class A>
  decltype(auto) call(A&& arg, TaskContext& ctx) {
    if constexpr (Shape::with_context) {
      return fn_(std::forward<A>(arg), ctx);
    } else {
      return fn_(std::forward<A>(arg));
    }
  }

  template <class R>
  static Result<Json> finish(R&& r) {
    if constexpr (Shape::returns_result) {
      if (!r.ok()) return std::move(r.error());
      if constexpr (std::is_same_v<typename Shape::Out, Json>) {
        return std::move(r.value());
      } else {
        return write_json(std::move(r.value()));
      }
    } else {
      return write_json(std::forward<R>(r));
    }
  }

  Fn fn_;
};

/// Adapts any accepted callable to the one erased TaskHandler signature.
template <class F>
TaskHandler make_task_handler(F&& f) {
  using Fn = std::decay_t<F>;
  using Shape = HandlerShape<Fn>;
  static_assert(Shape::valid && std::is_copy_constructible_v<Fn>,
                "asl: unsupported task handler signature. Accepted: Out(In), "
                "Out(In, asl::TaskContext&), asl::Result<Out>(In), "
                "asl::Result<Out>(In, asl::TaskContext&), where In is T or const T& for a T that "
                "nlohmann from_json can read (asl::Json included) and Out is a non-void type that "
                "nlohmann to_json can write (asl::Json included); the callable must be copyable");
  if constexpr (!Shape::valid || !std::is_copy_constructible_v<Fn>) {
    return {};
  } else if constexpr (Shape::erased) {  // a TaskHandler or a lambda of its signature: no layer
    return TaskHandler(Fn(std::forward<F>(f)));
  } else {
    return TaskHandler(TypedHandler<Fn, Shape>(Fn(std::forward<F>(f))));
  }
}

}  // namespace detail
}  // namespace asl
