// The value type of the Jinja interpreter: undefined, none, bool, int, float, string,
// list, dict (insertion-ordered, string keys) and callable.
//
// Lists and dicts are shared by reference like Python objects (a `namespace` is a dict
// that templates may assign attributes on). Str()/Repr() and ToJson() follow Python's
// str(), repr() and json.dumps(ensure_ascii=False), which is what transformers renders
// chat templates with. Values are not thread-safe; one render owns its values.
#ifndef TRACEMILL_LIBS_TEXT_JINJA_VALUE_H_
#define TRACEMILL_LIBS_TEXT_JINJA_VALUE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/json.h"

namespace tracemill::text {

class Value;

// Arguments of a call: positional first, then keyword arguments in call order.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// A native function. Errors it returns get the call site's line and column added.
using NativeFunction = std::function<absl::StatusOr<Value>(const CallArgs&)>;

class Value {
 public:
  enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kCallable };
  using List = std::vector<Value>;
  using Dict = std::vector<std::pair<std::string, Value>>;

  Value() = default;  // undefined
  static Value Undefined(std::string name = {});
  static Value None();
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Float(double d);
  static Value String(std::string s);
  static Value MakeList(List items = {});
  // A list that prints as a Python tuple: `(1, 2)`.
  static Value MakeTuple(List items);
  static Value MakeDict(Dict items = {});
  static Value Namespace(Dict items = {});
  static Value Callable(NativeFunction fn);
  // Converts JSON; integers beyond int64 become floats.
  static Value FromJson(const Json& json);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_tuple() const { return kind_ == Kind::kList && is_tuple_; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_namespace() const { return kind_ == Kind::kDict && is_namespace_; }
  bool is_callable() const { return kind_ == Kind::kCallable; }

  // Accessors; each requires the matching kind.
  bool bool_value() const { return std::get<bool>(data_); }
  int64_t int_value() const { return std::get<int64_t>(data_); }
  double float_value() const { return std::get<double>(data_); }
  // Numbers (and bools) as double.
  double AsDouble() const;
  const std::string& string_value() const { return std::get<std::string>(data_); }
  const List& list() const { return *std::get<std::shared_ptr<List>>(data_); }
  List& mutable_list() { return *std::get<std::shared_ptr<List>>(data_); }
  const Dict& dict() const { return *std::get<std::shared_ptr<Dict>>(data_); }
  Dict& mutable_dict() { return *std::get<std::shared_ptr<Dict>>(data_); }
  const NativeFunction& function() const {
    return *std::get<std::shared_ptr<NativeFunction>>(data_);
  }
  // For undefined values: the name that was looked up, if known.
  const std::string& undefined_name() const { return std::get<std::string>(data_); }

  // Dict lookup; nullptr when absent. Requires a dict.
  const Value* Find(std::string_view key) const;
  // Dict insert-or-assign, keeping the position of an existing key. Requires a dict.
  void Set(std::string_view key, Value value);

  // Python truthiness (undefined is false).
  bool IsTruthy() const;
  // Python str(); undefined renders as "".
  std::string Str() const;
  void AppendStr(std::string* out) const;
  // Python repr().
  std::string Repr() const;
  // A short type name for error messages ("string", "list", ...).
  const char* TypeName() const;
  // json.dumps(self, ensure_ascii=False), with `indent` >= 0 as json.dumps(indent=...).
  // Fails on undefined and callables.
  absl::StatusOr<std::string> ToJson(int indent = -1) const;

  // Python ==, with 1 == 1.0 == True.
  friend bool operator==(const Value& a, const Value& b);

 private:
  Kind kind_ = Kind::kUndefined;
  bool is_namespace_ = false;
  bool is_tuple_ = false;
  std::variant<std::string, bool, int64_t, double, std::shared_ptr<List>, std::shared_ptr<Dict>,
               std::shared_ptr<NativeFunction>>
      data_;
};

// Python repr() of a float: shortest round-trip digits, "1.0", "1e+16", "inf", "nan".
std::string FormatPythonFloat(double d);

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_JINJA_VALUE_H_
