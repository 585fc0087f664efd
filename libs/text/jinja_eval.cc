#include "libs/text/jinja_eval.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "utf8proc.h"

namespace tracemill::text {
namespace {

constexpr size_t kMaxOutputBytes = size_t{256} << 20;
constexpr int64_t kMaxLoopIterations = 1'000'000;
constexpr int kMaxCallDepth = 32;
constexpr int64_t kMaxSequenceLength = 10'000'000;
constexpr size_t kMaxBuiltBytes = size_t{1} << 30;
constexpr int kMaxEvalDepth = 200;
constexpr int kMaxValueDepth = 64;

// UTF-8 helpers: Python indexes strings by code point.

size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Byte offsets of each code point, plus s.size() at the end. Malformed bytes count
// as one code point each.
std::vector<size_t> CodePointOffsets(std::string_view s) {
  std::vector<size_t> offsets;
  offsets.reserve(s.size() + 1);
  size_t i = 0;
  while (i < s.size()) {
    offsets.push_back(i);
    size_t len = Utf8Length(static_cast<unsigned char>(s[i]));
    if (i + len > s.size()) len = 1;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        len = 1;
        break;
      }
    }
    i += len;
  }
  offsets.push_back(s.size());
  return offsets;
}

int64_t CodePointCount(std::string_view s) {
  if (IsAscii(s)) return static_cast<int64_t>(s.size());
  return static_cast<int64_t>(CodePointOffsets(s).size()) - 1;
}

std::vector<std::string> CodePoints(std::string_view s) {
  std::vector<size_t> offsets = CodePointOffsets(s);
  std::vector<std::string> out;
  out.reserve(offsets.size() - 1);
  for (size_t i = 0; i + 1 < offsets.size(); ++i) {
    out.emplace_back(s.substr(offsets[i], offsets[i + 1] - offsets[i]));
  }
  return out;
}

uint32_t DecodeAt(std::string_view s, size_t begin, size_t end) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i])); };
  size_t len = end - begin;
  if (len == 1) return b(begin);
  if (len == 2) return ((b(begin) & 0x1F) << 6) | (b(begin + 1) & 0x3F);
  if (len == 3)
    return ((b(begin) & 0x0F) << 12) | ((b(begin + 1) & 0x3F) << 6) | (b(begin + 2) & 0x3F);
  return ((b(begin) & 0x07) << 18) | ((b(begin + 1) & 0x3F) << 12) | ((b(begin + 2) & 0x3F) << 6) |
         (b(begin + 3) & 0x3F);
}

// Python's str.isspace() code points.
bool IsPythonSpace(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// str.strip/lstrip/rstrip with `chars` (nullptr: whitespace).
std::string Strip(std::string_view s, const std::string* chars, bool left, bool right) {
  std::vector<size_t> offsets = CodePointOffsets(s);
  std::vector<uint32_t> set;
  if (chars != nullptr) {
    std::vector<size_t> c_off = CodePointOffsets(*chars);
    for (size_t i = 0; i + 1 < c_off.size(); ++i)
      set.push_back(DecodeAt(*chars, c_off[i], c_off[i + 1]));
  }
  auto strip_it = [&](size_t i) {
    uint32_t cp = DecodeAt(s, offsets[i], offsets[i + 1]);
    if (chars == nullptr) return IsPythonSpace(cp);
    return std::find(set.begin(), set.end(), cp) != set.end();
  };
  size_t n = offsets.size() - 1;
  size_t begin = 0;
  size_t end = n;
  if (left) {
    while (begin < end && strip_it(begin)) ++begin;
  }
  if (right) {
    while (end > begin && strip_it(end - 1)) --end;
  }
  return std::string(s.substr(offsets[begin], offsets[end] - offsets[begin]));
}

// Simple (one-to-one) Unicode case mapping plus 'ß'.upper() == 'SS'; Python's full
// mapping also changes a few other characters' lengths (ligatures, 'İ'.lower()).
std::string MapCase(std::string s, bool upper) {
  if (IsAscii(s)) {
    for (char& c : s) {
      if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
  }
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // malformed byte: copy it
      out.push_back(static_cast<char>(*p));
      ++p;
      --left;
      continue;
    }
    if (upper && cp == 0xDF) {
      out += "SS";
      p += n;
      left -= n;
      continue;
    }
    cp = upper ? utf8proc_toupper(cp) : utf8proc_tolower(cp);
    utf8proc_uint8_t buf[4];
    utf8proc_ssize_t len = utf8proc_encode_char(cp, buf);
    out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(len));
    p += n;
    left -= n;
  }
  return out;
}

std::string Lower(std::string s) { return MapCase(std::move(s), false); }
std::string Upper(std::string s) { return MapCase(std::move(s), true); }

std::string Replace(const std::string& s, const std::string& from, const std::string& to,
                    int64_t count) {
  if (count == 0) return s;
  std::string out;
  if (from.empty()) {
    // Python inserts `to` between code points (and at both ends).
    std::vector<size_t> offsets = CodePointOffsets(s);
    int64_t done = 0;
    for (size_t i = 0; i + 1 < offsets.size(); ++i) {
      if (count < 0 || done < count) {
        out += to;
        ++done;
      }
      out.append(s, offsets[i], offsets[i + 1] - offsets[i]);
    }
    if (count < 0 || done < count) out += to;
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
    ++done;
  }
  out.append(s, pos, std::string::npos);
  return out;
}

// Python slice bounds (slice.indices).
struct SliceRange {
  int64_t start, stop, step;
};

absl::StatusOr<SliceRange> ResolveSlice(const std::optional<int64_t>& start,
                                        const std::optional<int64_t>& stop,
                                        const std::optional<int64_t>& step, int64_t len) {
  int64_t st = step.value_or(1);
  if (st == 0) return absl::InvalidArgumentError("slice step cannot be zero");
  auto clamp = [&](std::optional<int64_t> v, bool is_start) -> int64_t {
    if (!v.has_value()) {
      if (st > 0) return is_start ? 0 : len;
      return is_start ? len - 1 : -1;
    }
    int64_t x = *v;
    if (x < 0) {
      x += len;
      if (x < 0) x = st > 0 ? 0 : -1;
    } else if (x >= len) {
      x = st > 0 ? len : len - 1;
    }
    return x;
  };
  return SliceRange{clamp(start, true), clamp(stop, false), st};
}

std::vector<int64_t> SliceIndices(const SliceRange& r) {
  std::vector<int64_t> out;
  if (r.step > 0) {
    for (int64_t i = r.start; i < r.stop; i += r.step) out.push_back(i);
  } else {
    for (int64_t i = r.start; i > r.stop; i += r.step) out.push_back(i);
  }
  return out;
}

bool HasPrefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

class Interpreter {
 public:
  Interpreter(const Value& globals, std::string* out) : globals_(globals), out_(out) {
    frames_.emplace_back();
  }

  absl::Status Run(const Body& body) { return ExecBody(body); }

 private:
  // Errors.

  // `message` is any string type base::StrCat takes (absl's string_view included).
  template <typename S>
  static absl::Status ErrorAt(int line, int column, const S& message) {
    return absl::InvalidArgumentError(base::StrCat("template:", line, ":", column, ": ", message));
  }
  template <typename S>
  static absl::Status ErrorAt(const Expr& e, const S& message) {
    return ErrorAt(e.line, e.column, message);
  }
  // Adds the position of `e` to an error from a native function.
  static absl::Status Locate(const Expr& e, const absl::Status& s) {
    if (s.ok() || HasPrefix(std::string_view(s.message().data(), s.message().size()), "template:"))
      return s;
    return ErrorAt(e, s.message());
  }
  static absl::Status UndefinedError(const Value& v) {
    if (v.undefined_name().empty()) return absl::InvalidArgumentError("value is undefined");
    return absl::InvalidArgumentError(base::StrCat("'", v.undefined_name(), "' is undefined"));
  }

  // Scopes.

  const Value* Lookup(std::string_view name) const {
    for (size_t i = frames_.size(); i-- > base_;) {
      for (const auto& [k, v] : frames_[i]) {
        if (k == name) return &v;
      }
    }
    if (base_ > 0) {
      for (const auto& [k, v] : frames_[0]) {
        if (k == name) return &v;
      }
    }
    if (globals_.is_dict()) return globals_.Find(name);
    return nullptr;
  }

  void Assign(const std::string& name, Value value) {
    for (auto& [k, v] : frames_.back()) {
      if (k == name) {
        v = std::move(value);
        return;
      }
    }
    frames_.back().emplace_back(name, std::move(value));
  }

  absl::Status AssignTargets(const Node& n, const std::vector<std::string>& targets, Value value) {
    if (targets.size() == 1) {
      Assign(targets[0], std::move(value));
      return absl::OkStatus();
    }
    Value::List items;
    if (value.is_list()) {
      items = value.list();
    } else if (value.is_string()) {
      for (std::string& c : CodePoints(value.string_value()))
        items.push_back(Value::String(std::move(c)));
    } else if (value.is_dict()) {
      for (const auto& [k, v] : value.dict()) items.push_back(Value::String(k));
    } else {
      return ErrorAt(n.line, n.column, base::StrCat("cannot unpack a ", value.TypeName()));
    }
    if (items.size() != targets.size()) {
      return ErrorAt(
          n.line, n.column,
          base::StrCat("cannot unpack ", items.size(), " values into ", targets.size(), " names"));
    }
    for (size_t i = 0; i < targets.size(); ++i) Assign(targets[i], std::move(items[i]));
    return absl::OkStatus();
  }

  // Statements.

  absl::Status Emit(std::string_view s) {
    if (out_->size() + s.size() > kMaxOutputBytes) {
      return absl::InvalidArgumentError("template output exceeds 256 MiB");
    }
    out_->append(s);
    return absl::OkStatus();
  }

  absl::Status ExecBody(const Body& body) {
    for (const auto& node : body) {
      TM_RETURN_IF_ERROR(Exec(*node));
      if (flow_ != Flow::kNormal) return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  // Bounds the interpreter's recursion (statements, expressions and macro calls
  // together) so that no template overflows the native stack.
  class DepthGuard {
   public:
    explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
    ~DepthGuard() { --*depth_; }
    bool exceeded() const { return *depth_ > kMaxEvalDepth; }

   private:
    int* depth_;
  };

  absl::Status Exec(const Node& n) {
    DepthGuard guard(&eval_depth_);
    if (guard.exceeded())
      return ErrorAt(n.line, n.column, "template nested too deeply at run time");
    return ExecNode(n);
  }

  absl::Status ExecNode(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kText:
        return Emit(n.text);
      case Node::Kind::kOutput: {
        TM_ASSIGN_OR_RETURN(Value v, Eval(*n.expr));
        if (v.is_string()) return Emit(v.string_value());
        return Emit(v.Str());
      }
      case Node::Kind::kIf:
        for (const auto& [cond, body] : n.branches) {
          TM_ASSIGN_OR_RETURN(Value c, Eval(*cond));
          if (c.IsTruthy()) return ExecBody(body);
        }
        return ExecBody(n.else_body);
      case Node::Kind::kFor:
        return ExecFor(n);
      case Node::Kind::kSet: {
        TM_ASSIGN_OR_RETURN(Value v, Eval(*n.expr));
        return SetTarget(n, std::move(v));
      }
      case Node::Kind::kSetBlock: {
        TM_ASSIGN_OR_RETURN(std::string text, Capture(n.body));
        return SetTarget(n, Value::String(std::move(text)));
      }
      case Node::Kind::kMacro:
        Assign(n.targets[0], MakeMacro(n, std::nullopt));
        return absl::OkStatus();
      case Node::Kind::kCallBlock:
        return ExecCallBlock(n);
      case Node::Kind::kBreak:
        flow_ = Flow::kBreak;
        return absl::OkStatus();
      case Node::Kind::kContinue:
        flow_ = Flow::kContinue;
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  absl::Status SetTarget(const Node& n, Value v) {
    if (n.attr.empty()) return AssignTargets(n, n.targets, std::move(v));
    const Value* ns = Lookup(n.targets[0]);
    if (ns == nullptr || !ns->is_namespace()) {
      return ErrorAt(
          n.line, n.column,
          base::StrCat("cannot assign attribute on non-namespace object '", n.targets[0], "'"));
    }
    Value target = *ns;  // shares the namespace's dict
    // Namespaces are the only state that outlives a loop iteration, so only they can
    // grow values without bound: keep them shallow and acyclic (nested values are
    // printed, compared and destroyed recursively).
    bool cycle = false;
    if (NestingDepth(v, &target.dict(), 0, &cycle) > kMaxValueDepth || cycle) {
      return ErrorAt(n.line, n.column,
                     cycle ? "cannot store a namespace inside itself" : "value nested too deeply");
    }
    target.Set(n.attr, std::move(v));
    return absl::OkStatus();
  }

  // Nesting depth of lists and dicts in `v`, at most kMaxValueDepth + 1; sets `cycle`
  // when `v` holds the dict `self`.
  static int NestingDepth(const Value& v, const void* self, int level, bool* cycle) {
    if (level > kMaxValueDepth || *cycle) return level;
    int deepest = level;
    if (v.is_list()) {
      for (const Value& item : v.list()) {
        deepest = std::max(deepest, NestingDepth(item, self, level + 1, cycle));
      }
    } else if (v.is_dict()) {
      if (&v.dict() == self) *cycle = true;
      for (const auto& [k, item] : v.dict()) {
        deepest = std::max(deepest, NestingDepth(item, self, level + 1, cycle));
      }
    }
    return deepest;
  }

  absl::StatusOr<std::string> Capture(const Body& body) {
    std::string captured;
    std::string* saved = out_;
    out_ = &captured;
    absl::Status s = ExecBody(body);
    out_ = saved;
    TM_RETURN_IF_ERROR(s);
    return captured;
  }

  // ListOf, with the error placed at the loop's iterable.
  absl::StatusOr<Value::List> Iterate(const Expr& at, const Value& v) {
    absl::StatusOr<Value::List> items = ListOf(v);
    if (!items.ok()) return ErrorAt(at, std::string(items.status().message()));
    return items;
  }

  absl::Status ExecFor(const Node& n) {
    TM_ASSIGN_OR_RETURN(Value iterable, Eval(*n.expr));
    TM_ASSIGN_OR_RETURN(Value::List items, Iterate(*n.expr, iterable));
    frames_.emplace_back();
    absl::Status status = RunLoop(n, std::move(items));
    frames_.pop_back();
    return status;
  }

  absl::Status RunLoop(const Node& n, Value::List items) {
    if (n.filter != nullptr) {
      Value::List kept;
      for (Value& item : items) {
        TM_RETURN_IF_ERROR(AssignTargets(n, n.targets, item));
        TM_ASSIGN_OR_RETURN(Value keep, Eval(*n.filter));
        if (keep.IsTruthy()) kept.push_back(std::move(item));
      }
      items = std::move(kept);
    }
    if (items.empty()) return ExecBody(n.else_body);
    int64_t length = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < length; ++i) {
      if (++iterations_ > kMaxLoopIterations)
        return ErrorAt(n.line, n.column, "too many loop iterations");
      frames_.back().clear();  // each iteration starts with a fresh scope, as in jinja2
      TM_RETURN_IF_ERROR(AssignTargets(n, n.targets, items[i]));
      Value::Dict loop;
      loop.reserve(12);
      loop.emplace_back("index", Value::Int(i + 1));
      loop.emplace_back("index0", Value::Int(i));
      loop.emplace_back("revindex", Value::Int(length - i));
      loop.emplace_back("revindex0", Value::Int(length - i - 1));
      loop.emplace_back("first", Value::Bool(i == 0));
      loop.emplace_back("last", Value::Bool(i == length - 1));
      loop.emplace_back("length", Value::Int(length));
      loop.emplace_back("depth", Value::Int(1));
      loop.emplace_back("depth0", Value::Int(0));
      loop.emplace_back("previtem", i > 0 ? items[i - 1] : Value::Undefined("loop.previtem"));
      loop.emplace_back("nextitem",
                        i + 1 < length ? items[i + 1] : Value::Undefined("loop.nextitem"));
      loop.emplace_back(
          "cycle", Value::Callable([i](const CallArgs& a) -> absl::StatusOr<Value> {
            if (a.positional.empty())
              return absl::InvalidArgumentError("loop.cycle() needs at least one value");
            return a.positional[static_cast<size_t>(i) % a.positional.size()];
          }));
      Assign("loop", Value::MakeDict(std::move(loop)));
      TM_RETURN_IF_ERROR(ExecBody(n.body));
      if (flow_ == Flow::kBreak) {
        flow_ = Flow::kNormal;
        break;
      }
      flow_ = Flow::kNormal;
    }
    return absl::OkStatus();
  }

  // Macros. `caller` is set for macros invoked from a call block.
  Value MakeMacro(const Node& n, std::optional<Value> caller) {
    return Value::Callable([this, &n, caller](const CallArgs& args) -> absl::StatusOr<Value> {
      if (call_depth_ >= kMaxCallDepth)
        return absl::InvalidArgumentError("macro recursion too deep");
      Value::Dict frame;
      size_t positional = args.positional.size();
      if (positional > n.params.size()) {
        return absl::InvalidArgumentError(base::StrCat(
            "macro '", n.targets[0], "' takes ", n.params.size(), " arguments, got ", positional));
      }
      for (const auto& [name, value] : args.keyword) {
        bool known = false;
        for (size_t i = positional; i < n.params.size(); ++i)
          known = known || n.params[i].first == name;
        if (!known && !(name == "caller")) {
          return absl::InvalidArgumentError(
              base::StrCat("macro '", n.targets[0], "' got an unexpected argument '", name, "'"));
        }
      }
      ++call_depth_;
      size_t saved_base = base_;
      frames_.emplace_back();
      base_ = frames_.size() - 1;
      absl::Status status;
      for (size_t i = 0; i < n.params.size() && status.ok(); ++i) {
        const auto& [name, def] = n.params[i];
        Value v = Value::Undefined(name);
        if (i < positional) {
          v = args.positional[i];
        } else {
          bool found = false;
          for (const auto& [k, kv] : args.keyword) {
            if (k == name) {
              v = kv;
              found = true;
            }
          }
          if (!found && def != nullptr) {
            auto d = Eval(*def);
            if (!d.ok()) {
              status = d.status();
              break;
            }
            v = *std::move(d);
          }
        }
        Assign(name, std::move(v));
      }
      if (caller.has_value()) Assign("caller", *caller);
      for (const auto& [k, kv] : args.keyword) {
        if (k == "caller") Assign("caller", kv);
      }
      std::string text;
      if (status.ok()) {
        auto captured = Capture(n.body);
        if (captured.ok()) {
          text = *std::move(captured);
        } else {
          status = captured.status();
        }
      }
      flow_ = Flow::kNormal;
      frames_.pop_back();
      base_ = saved_base;
      --call_depth_;
      TM_RETURN_IF_ERROR(status);
      return Value::String(std::move(text));
    });
  }

  absl::Status ExecCallBlock(const Node& n) {
    const Expr& call = *n.expr;
    size_t call_base = base_;
    size_t call_top = frames_.size();
    Value caller = Value::Callable(
        [this, &n, call_base, call_top](const CallArgs& args) -> absl::StatusOr<Value> {
          if (call_depth_ >= kMaxCallDepth)
            return absl::InvalidArgumentError("macro recursion too deep");
          if (frames_.size() < call_top)
            return absl::InvalidArgumentError("caller() used outside its call block");
          std::vector<Value::Dict> above(
              std::make_move_iterator(frames_.begin() + static_cast<ptrdiff_t>(call_top)),
              std::make_move_iterator(frames_.end()));
          frames_.resize(call_top);
          size_t saved_base = base_;
          base_ = call_base;
          frames_.emplace_back();
          absl::Status status;
          for (size_t i = 0; i < n.params.size() && status.ok(); ++i) {
            Value v = Value::Undefined(n.params[i].first);
            if (i < args.positional.size()) {
              v = args.positional[i];
            } else if (n.params[i].second != nullptr) {
              auto d = Eval(*n.params[i].second);
              if (!d.ok()) status = d.status();
              if (d.ok()) v = *std::move(d);
            }
            Assign(n.params[i].first, std::move(v));
          }
          ++call_depth_;
          std::string text;
          if (status.ok()) {
            auto captured = Capture(n.body);
            if (captured.ok()) {
              text = *std::move(captured);
            } else {
              status = captured.status();
            }
          }
          --call_depth_;
          flow_ = Flow::kNormal;
          frames_.resize(call_top);
          for (auto& f : above) frames_.push_back(std::move(f));
          base_ = saved_base;
          TM_RETURN_IF_ERROR(status);
          return Value::String(std::move(text));
        });
    TM_ASSIGN_OR_RETURN(Value callee, Eval(*call.args[0]));
    if (!callee.is_callable())
      return ErrorAt(call, base::StrCat("'", callee.TypeName(), "' object is not callable"));
    TM_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(call, 1));
    args.keyword.emplace_back("caller", caller);
    auto result = callee.function()(args);
    if (!result.ok()) return Locate(call, result.status());
    return Emit(result->Str());
  }

  // Expressions.

  absl::StatusOr<CallArgs> EvalArgs(const Expr& e, size_t first) {
    CallArgs args;
    args.positional.reserve(e.args.size() - first);
    for (size_t i = first; i < e.args.size(); ++i) {
      TM_ASSIGN_OR_RETURN(Value v, Eval(*e.args[i]));
      args.positional.push_back(std::move(v));
    }
    for (const auto& [name, expr] : e.kwargs) {
      TM_ASSIGN_OR_RETURN(Value v, Eval(*expr));
      args.keyword.emplace_back(name, std::move(v));
    }
    return args;
  }

  absl::StatusOr<Value> Eval(const Expr& e) {
    DepthGuard guard(&eval_depth_);
    if (guard.exceeded()) return ErrorAt(e, "expression nested too deeply at run time");
    return EvalExpr(e);
  }

  absl::StatusOr<Value> EvalExpr(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        return e.literal;
      case Expr::Kind::kName: {
        const Value* v = Lookup(e.name);
        if (v != nullptr) return *v;
        return Builtin(e.name);
      }
      case Expr::Kind::kList: {
        Value::List items;
        items.reserve(e.args.size());
        for (const auto& a : e.args) {
          TM_ASSIGN_OR_RETURN(Value v, Eval(*a));
          items.push_back(std::move(v));
        }
        if (e.name == "tuple") return Value::MakeTuple(std::move(items));
        return Value::MakeList(std::move(items));
      }
      case Expr::Kind::kDict: {
        Value dict = Value::MakeDict();
        for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
          TM_ASSIGN_OR_RETURN(Value k, Eval(*e.args[i]));
          if (!k.is_string()) return ErrorAt(*e.args[i], "dict keys must be strings");
          TM_ASSIGN_OR_RETURN(Value v, Eval(*e.args[i + 1]));
          dict.Set(k.string_value(), std::move(v));
        }
        return dict;
      }
      case Expr::Kind::kGetAttr: {
        TM_ASSIGN_OR_RETURN(Value obj, Eval(*e.args[0]));
        return GetAttr(e, obj, e.name);
      }
      case Expr::Kind::kGetItem: {
        TM_ASSIGN_OR_RETURN(Value obj, Eval(*e.args[0]));
        TM_ASSIGN_OR_RETURN(Value key, Eval(*e.args[1]));
        return GetItem(e, obj, key);
      }
      case Expr::Kind::kSlice:
        return EvalSlice(e);
      case Expr::Kind::kCall:
        return EvalCall(e);
      case Expr::Kind::kFilter: {
        TM_ASSIGN_OR_RETURN(Value input, Eval(*e.args[0]));
        TM_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(e, 1));
        auto result = ApplyFilter(e.name, std::move(input), args);
        if (!result.ok()) return Locate(e, result.status());
        return result;
      }
      case Expr::Kind::kTest: {
        TM_ASSIGN_OR_RETURN(Value input, Eval(*e.args[0]));
        TM_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(e, 1));
        auto result = ApplyTest(e.name, input, args);
        if (!result.ok()) return Locate(e, result.status());
        return Value::Bool(*result != e.negated);
      }
      case Expr::Kind::kUnary: {
        TM_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0]));
        if (e.name == "not") return Value::Bool(!v.IsTruthy());
        if (v.is_bool()) v = Value::Int(v.bool_value() ? 1 : 0);
        if (e.name == "+" && v.is_number()) return v;
        if (v.is_int() && v.int_value() != std::numeric_limits<int64_t>::min())
          return Value::Int(-v.int_value());
        if (v.is_float()) return Value::Float(-v.float_value());
        if (v.is_undefined()) return ErrorAt(e, UndefinedError(v).message());
        return ErrorAt(
            e, base::StrCat("bad operand type for unary ", e.name, ": '", v.TypeName(), "'"));
      }
      case Expr::Kind::kBinary:
        return EvalBinary(e);
      case Expr::Kind::kCond: {
        TM_ASSIGN_OR_RETURN(Value c, Eval(*e.args[1]));
        if (c.IsTruthy()) return Eval(*e.args[0]);
        if (e.args[2] == nullptr) return Value::Undefined();
        return Eval(*e.args[2]);
      }
    }
    return ErrorAt(e, "unknown expression");
  }

  absl::StatusOr<Value> Builtin(const std::string& name) {
    if (name == "range") {
      return Value::Callable([](const CallArgs& a) -> absl::StatusOr<Value> {
        int64_t start = 0, stop = 0, step = 1;
        std::vector<int64_t> n;
        for (const Value& v : a.positional) {
          if (!v.is_int()) return absl::InvalidArgumentError("range() arguments must be integers");
          n.push_back(v.int_value());
        }
        if (n.size() == 1) {
          stop = n[0];
        } else if (n.size() == 2 || n.size() == 3) {
          start = n[0];
          stop = n[1];
          if (n.size() == 3) step = n[2];
        } else {
          return absl::InvalidArgumentError("range() takes 1 to 3 arguments");
        }
        if (step == 0) return absl::InvalidArgumentError("range() step must not be zero");
        Value::List items;
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
          if (static_cast<int64_t>(items.size()) >= kMaxSequenceLength) {
            return absl::InvalidArgumentError("range() too long");
          }
          items.push_back(Value::Int(i));
        }
        return Value::MakeList(std::move(items));
      });
    }
    if (name == "namespace" || name == "dict") {
      bool ns = name == "namespace";
      return Value::Callable([ns](const CallArgs& a) -> absl::StatusOr<Value> {
        Value::Dict items;
        for (const Value& v : a.positional) {
          if (!v.is_dict())
            return absl::InvalidArgumentError(
                "namespace()/dict() positional argument must be a dict");
          for (const auto& kv : v.dict()) items.push_back(kv);
        }
        Value out = ns ? Value::Namespace(std::move(items)) : Value::MakeDict(std::move(items));
        for (const auto& [k, v] : a.keyword) out.Set(k, v);
        return out;
      });
    }
    if (name == "raise_exception") {
      return Value::Callable([](const CallArgs& a) -> absl::StatusOr<Value> {
        std::string message = a.positional.empty() ? "" : a.positional[0].Str();
        return absl::InvalidArgumentError(base::StrCat("raise_exception: ", message));
      });
    }
    if (name == "strftime_now") {
      return Value::Callable([](const CallArgs& a) -> absl::StatusOr<Value> {
        if (a.positional.size() != 1 || !a.positional[0].is_string()) {
          return absl::InvalidArgumentError("strftime_now() takes a format string");
        }
        std::time_t now = std::time(nullptr);
        std::tm tm{};
        localtime_r(&now, &tm);
        char buf[256];
        size_t len = std::strftime(buf, sizeof(buf), a.positional[0].string_value().c_str(), &tm);
        return Value::String(std::string(buf, len));
      });
    }
    return Value::Undefined(name);
  }

  absl::StatusOr<Value> GetAttr(const Expr& e, const Value& obj, const std::string& name) {
    if (obj.is_undefined()) return ErrorAt(e, UndefinedError(obj).message());
    if (obj.is_dict()) {
      if (!obj.is_namespace() &&
          (name == "items" || name == "keys" || name == "values" || name == "get")) {
        return BoundMethod(obj, name);
      }
      const Value* v = obj.Find(name);
      if (v != nullptr) return *v;
      return Value::Undefined(name);
    }
    if (obj.is_string() && IsStringMethod(name)) return BoundMethod(obj, name);
    return Value::Undefined(name);
  }

  Value BoundMethod(const Value& obj, const std::string& name) {
    return Value::Callable(
        [this, obj, name](const CallArgs& args) { return CallMethod(obj, name, args); });
  }

  static bool IsStringMethod(std::string_view name) {
    static constexpr std::string_view kMethods[] = {
        "startswith", "endswith", "split", "rsplit",  "strip",   "lstrip",
        "rstrip",     "lower",    "upper", "replace", "title",   "capitalize",
        "join",       "find",     "count", "isdigit", "isspace", "isalpha"};
    return std::find(std::begin(kMethods), std::end(kMethods), name) != std::end(kMethods);
  }

  absl::StatusOr<Value> GetItem(const Expr& e, const Value& obj, const Value& key) {
    if (obj.is_undefined()) return ErrorAt(e, UndefinedError(obj).message());
    if (obj.is_dict()) {
      if (key.is_string()) {
        const Value* v = obj.Find(key.string_value());
        if (v != nullptr) return *v;
        return Value::Undefined(key.string_value());
      }
      return Value::Undefined();
    }
    if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
      int64_t i = key.is_bool() ? key.bool_value() : key.int_value();
      if (obj.is_list()) {
        int64_t n = static_cast<int64_t>(obj.list().size());
        if (i < 0) i += n;
        if (i < 0 || i >= n) return Value::Undefined();
        return obj.list()[static_cast<size_t>(i)];
      }
      const std::string& s = obj.string_value();
      if (IsAscii(s)) {
        int64_t n = static_cast<int64_t>(s.size());
        if (i < 0) i += n;
        if (i < 0 || i >= n) return Value::Undefined();
        return Value::String(std::string(1, s[static_cast<size_t>(i)]));
      }
      std::vector<size_t> offsets = CodePointOffsets(s);
      int64_t n = static_cast<int64_t>(offsets.size()) - 1;
      if (i < 0) i += n;
      if (i < 0 || i >= n) return Value::Undefined();
      size_t at = static_cast<size_t>(i);
      return Value::String(s.substr(offsets[at], offsets[at + 1] - offsets[at]));
    }
    if (key.is_string()) return GetAttr(e, obj, key.string_value());
    return Value::Undefined();
  }

  absl::StatusOr<Value> EvalSlice(const Expr& e) {
    TM_ASSIGN_OR_RETURN(Value obj, Eval(*e.args[0]));
    std::optional<int64_t> bounds[3];
    for (int i = 0; i < 3; ++i) {
      if (e.args[i + 1] == nullptr) continue;
      TM_ASSIGN_OR_RETURN(Value b, Eval(*e.args[i + 1]));
      if (b.is_none()) continue;
      if (!b.is_int()) return ErrorAt(e, "slice indices must be integers or None");
      bounds[i] = b.int_value();
    }
    if (obj.is_undefined()) return ErrorAt(e, UndefinedError(obj).message());
    if (obj.is_list()) {
      const Value::List& list = obj.list();
      auto range = ResolveSlice(bounds[0], bounds[1], bounds[2], static_cast<int64_t>(list.size()));
      if (!range.ok()) return ErrorAt(e, range.status().message());
      Value::List out;
      for (int64_t i : SliceIndices(*range)) out.push_back(list[static_cast<size_t>(i)]);
      return Value::MakeList(std::move(out));
    }
    if (obj.is_string()) {
      const std::string& s = obj.string_value();
      std::vector<size_t> offsets = CodePointOffsets(s);
      auto range =
          ResolveSlice(bounds[0], bounds[1], bounds[2], static_cast<int64_t>(offsets.size()) - 1);
      if (!range.ok()) return ErrorAt(e, range.status().message());
      std::string out;
      if (range->step == 1) {
        if (range->start < range->stop) {
          out = s.substr(offsets[static_cast<size_t>(range->start)],
                         offsets[static_cast<size_t>(range->stop)] -
                             offsets[static_cast<size_t>(range->start)]);
        }
      } else {
        for (int64_t i : SliceIndices(*range)) {
          size_t at = static_cast<size_t>(i);
          out.append(s, offsets[at], offsets[at + 1] - offsets[at]);
        }
      }
      return Value::String(std::move(out));
    }
    return ErrorAt(e, base::StrCat("'", obj.TypeName(), "' object is not subscriptable"));
  }

  absl::StatusOr<Value> EvalCall(const Expr& e) {
    const Expr& callee_expr = *e.args[0];
    if (callee_expr.kind == Expr::Kind::kGetAttr) {
      // Method calls skip creating a bound method.
      TM_ASSIGN_OR_RETURN(Value obj, Eval(*callee_expr.args[0]));
      const std::string& name = callee_expr.name;
      bool is_method = (obj.is_string() && IsStringMethod(name)) ||
                       (obj.is_dict() && !obj.is_namespace() &&
                        (name == "items" || name == "keys" || name == "values" || name == "get"));
      if (is_method) {
        TM_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(e, 1));
        auto result = CallMethod(obj, name, args);
        if (!result.ok()) return Locate(e, result.status());
        return result;
      }
      TM_ASSIGN_OR_RETURN(Value callee, GetAttr(callee_expr, obj, name));
      return CallValue(e, callee);
    }
    TM_ASSIGN_OR_RETURN(Value callee, Eval(callee_expr));
    return CallValue(e, callee);
  }

  absl::StatusOr<Value> CallValue(const Expr& e, const Value& callee) {
    if (!callee.is_callable()) {
      if (callee.is_undefined()) return ErrorAt(e, UndefinedError(callee).message());
      return ErrorAt(e, base::StrCat("'", callee.TypeName(), "' object is not callable"));
    }
    TM_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(e, 1));
    auto result = callee.function()(args);
    if (!result.ok()) return Locate(e, result.status());
    return result;
  }

  // Arguments by position or keyword.
  static const Value* Arg(const CallArgs& a, size_t index, std::string_view name) {
    if (index < a.positional.size()) return &a.positional[index];
    for (const auto& [k, v] : a.keyword) {
      if (k == name) return &v;
    }
    return nullptr;
  }

  static absl::StatusOr<std::string> StringArg(const CallArgs& a, size_t index,
                                               std::string_view name, std::string_view method) {
    const Value* v = Arg(a, index, name);
    if (v == nullptr || !v->is_string()) {
      return absl::InvalidArgumentError(
          base::StrCat(method, "() argument '", name, "' must be a string"));
    }
    return v->string_value();
  }

  absl::StatusOr<Value> CallMethod(const Value& obj, std::string_view name, const CallArgs& a) {
    if (obj.is_dict()) {
      if (name == "items" || name == "keys" || name == "values") {
        Value::List out;
        out.reserve(obj.dict().size());
        for (const auto& [k, v] : obj.dict()) {
          if (name == "items") {
            out.push_back(Value::MakeTuple({Value::String(k), v}));
          } else {
            out.push_back(name == "keys" ? Value::String(k) : v);
          }
        }
        return Value::MakeList(std::move(out));
      }
      // get(key, default=None)
      const Value* key = Arg(a, 0, "key");
      if (key == nullptr) return absl::InvalidArgumentError("get() needs a key");
      if (key->is_string()) {
        const Value* v = obj.Find(key->string_value());
        if (v != nullptr) return *v;
      }
      const Value* def = Arg(a, 1, "default");
      return def != nullptr ? *def : Value::None();
    }
    const std::string& s = obj.string_value();
    if (name == "startswith" || name == "endswith") {
      const Value* p = Arg(a, 0, "prefix");
      if (p == nullptr)
        return absl::InvalidArgumentError(base::StrCat(name, "() takes an argument"));
      std::vector<std::string> options;
      if (p->is_string()) {
        options.push_back(p->string_value());
      } else if (p->is_list()) {
        for (const Value& v : p->list()) {
          if (!v.is_string())
            return absl::InvalidArgumentError(base::StrCat(name, "() tuple must hold strings"));
          options.push_back(v.string_value());
        }
      } else {
        return absl::InvalidArgumentError(
            base::StrCat(name, "() argument must be a string or a tuple of strings"));
      }
      for (const std::string& o : options) {
        bool hit = name == "startswith"
                       ? HasPrefix(s, o)
                       : (s.size() >= o.size() && s.compare(s.size() - o.size(), o.size(), o) == 0);
        if (hit) return Value::Bool(true);
      }
      return Value::Bool(false);
    }
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
      const Value* chars = Arg(a, 0, "chars");
      if (chars != nullptr && !chars->is_none() && !chars->is_string()) {
        return absl::InvalidArgumentError(
            base::StrCat(name, "() argument must be a string or None"));
      }
      const std::string* set =
          (chars != nullptr && chars->is_string()) ? &chars->string_value() : nullptr;
      return Value::String(Strip(s, set, name != "rstrip", name != "lstrip"));
    }
    if (name == "split" || name == "rsplit") return Split(s, a, name == "rsplit");
    if (name == "lower") return Value::String(Lower(s));
    if (name == "upper") return Value::String(Upper(s));
    if (name == "replace") {
      TM_ASSIGN_OR_RETURN(std::string from, StringArg(a, 0, "old", name));
      TM_ASSIGN_OR_RETURN(std::string to, StringArg(a, 1, "new", name));
      const Value* count = Arg(a, 2, "count");
      int64_t n = (count != nullptr && count->is_int()) ? count->int_value() : -1;
      return Value::String(Replace(s, from, to, n));
    }
    if (name == "title" || name == "capitalize") {
      std::string out = Lower(s);
      bool start = true;
      for (size_t i = 0; i < out.size(); ++i) {
        char& c = out[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (name == "capitalize") break;
        start = !alpha;
      }
      return Value::String(std::move(out));
    }
    if (name == "join") {
      const Value* items = Arg(a, 0, "iterable");
      if (items == nullptr || !items->is_list())
        return absl::InvalidArgumentError("join() takes a list of strings");
      std::string out;
      bool first = true;
      for (const Value& v : items->list()) {
        if (!v.is_string()) return absl::InvalidArgumentError("join() takes a list of strings");
        if (!first) out += s;
        first = false;
        out += v.string_value();
      }
      return Value::String(std::move(out));
    }
    if (name == "find" || name == "count") {
      TM_ASSIGN_OR_RETURN(std::string needle, StringArg(a, 0, "sub", name));
      if (name == "find") {
        size_t at = s.find(needle);
        if (at == std::string::npos) return Value::Int(-1);
        return Value::Int(CodePointCount(std::string_view(s).substr(0, at)));
      }
      if (needle.empty()) return Value::Int(CodePointCount(s) + 1);
      int64_t n = 0;
      for (size_t at = s.find(needle); at != std::string::npos;
           at = s.find(needle, at + needle.size()))
        ++n;
      return Value::Int(n);
    }
    if (name == "isdigit" || name == "isspace" || name == "isalpha") {
      if (s.empty()) return Value::Bool(false);
      for (unsigned char c : s) {
        bool ok = name == "isdigit"   ? (c >= '0' && c <= '9')
                  : name == "isspace" ? IsPythonSpace(c)
                                      : ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
        if (!ok) return Value::Bool(false);
      }
      return Value::Bool(true);
    }
    return absl::InvalidArgumentError(base::StrCat("unknown string method '", name, "'"));
  }

  static absl::StatusOr<Value> Split(const std::string& s, const CallArgs& a, bool from_right) {
    const Value* sep_v = Arg(a, 0, "sep");
    const Value* max_v = Arg(a, 1, "maxsplit");
    int64_t maxsplit = (max_v != nullptr && max_v->is_int()) ? max_v->int_value() : -1;
    Value::List parts;
    if (sep_v == nullptr || sep_v->is_none()) {
      // Runs of whitespace; leading/trailing whitespace gives no empty parts.
      std::vector<size_t> off = CodePointOffsets(s);
      size_t n = off.size() - 1;
      auto space = [&](size_t i) { return IsPythonSpace(DecodeAt(s, off[i], off[i + 1])); };
      std::vector<std::string> words;
      if (!from_right) {
        size_t i = 0;
        int64_t splits = 0;
        while (i < n) {
          while (i < n && space(i)) ++i;
          if (i >= n) break;
          if (maxsplit >= 0 && splits >= maxsplit) {
            size_t end = n;
            while (end > i && space(end - 1)) --end;
            words.push_back(s.substr(off[i], off[end] - off[i]));
            break;
          }
          size_t j = i;
          while (j < n && !space(j)) ++j;
          words.push_back(s.substr(off[i], off[j] - off[i]));
          ++splits;
          i = j;
        }
      } else {
        size_t i = n;
        int64_t splits = 0;
        while (i > 0) {
          while (i > 0 && space(i - 1)) --i;
          if (i == 0) break;
          if (maxsplit >= 0 && splits >= maxsplit) {
            size_t begin = 0;
            while (begin < i && space(begin)) ++begin;
            words.insert(words.begin(), s.substr(off[begin], off[i] - off[begin]));
            break;
          }
          size_t j = i;
          while (j > 0 && !space(j - 1)) --j;
          words.insert(words.begin(), s.substr(off[j], off[i] - off[j]));
          ++splits;
          i = j;
        }
      }
      for (std::string& w : words) parts.push_back(Value::String(std::move(w)));
      return Value::MakeList(std::move(parts));
    }
    if (!sep_v->is_string())
      return absl::InvalidArgumentError("split() separator must be a string or None");
    const std::string& sep = sep_v->string_value();
    if (sep.empty()) return absl::InvalidArgumentError("split(): empty separator");
    std::vector<std::string> pieces;
    if (!from_right) {
      size_t pos = 0;
      int64_t splits = 0;
      while (maxsplit < 0 || splits < maxsplit) {
        size_t hit = s.find(sep, pos);
        if (hit == std::string::npos) break;
        pieces.push_back(s.substr(pos, hit - pos));
        pos = hit + sep.size();
        ++splits;
      }
      pieces.push_back(s.substr(pos));
    } else {
      size_t end = s.size();
      int64_t splits = 0;
      while (maxsplit < 0 || splits < maxsplit) {
        if (end < sep.size()) break;
        size_t hit = s.rfind(sep, end - sep.size());
        if (hit == std::string::npos) break;
        pieces.insert(pieces.begin(), s.substr(hit + sep.size(), end - hit - sep.size()));
        end = hit;
        ++splits;
      }
      pieces.insert(pieces.begin(), s.substr(0, end));
    }
    for (std::string& p : pieces) parts.push_back(Value::String(std::move(p)));
    return Value::MakeList(std::move(parts));
  }

  // Filters.

  absl::StatusOr<Value> ApplyFilter(std::string_view name, Value in, const CallArgs& a) {
    if (name == "tojson") {
      const Value* indent = Arg(a, 0, "indent");
      int n = -1;
      if (indent != nullptr && !indent->is_none()) {
        if (!indent->is_int() || indent->int_value() < 0 || indent->int_value() > 64) {
          return absl::InvalidArgumentError("tojson indent must be an integer from 0 to 64");
        }
        n = static_cast<int>(indent->int_value());
      }
      TM_ASSIGN_OR_RETURN(std::string json, in.ToJson(n));
      return Value::String(std::move(json));
    }
    if (name == "safe") return in;
    if (name == "string") return in.is_string() ? in : Value::String(in.Str());
    if (name == "trim") {
      const Value* chars = Arg(a, 0, "chars");
      const std::string* set =
          (chars != nullptr && chars->is_string()) ? &chars->string_value() : nullptr;
      return Value::String(Strip(in.Str(), set, true, true));
    }
    if (name == "lower") return Value::String(Lower(in.Str()));
    if (name == "upper") return Value::String(Upper(in.Str()));
    if (name == "capitalize" || name == "title")
      return CallMethod(Value::String(in.Str()), name, CallArgs{});
    if (name == "length" || name == "count") {
      switch (in.kind()) {
        case Value::Kind::kUndefined:
          return Value::Int(0);
        case Value::Kind::kString:
          return Value::Int(CodePointCount(in.string_value()));
        case Value::Kind::kList:
          return Value::Int(static_cast<int64_t>(in.list().size()));
        case Value::Kind::kDict:
          return Value::Int(static_cast<int64_t>(in.dict().size()));
        default:
          return absl::InvalidArgumentError(
              base::StrCat("object of type '", in.TypeName(), "' has no len()"));
      }
    }
    if (name == "default" || name == "d") {
      const Value* def = Arg(a, 0, "default_value");
      const Value* boolean = Arg(a, 1, "boolean");
      bool use_default =
          in.is_undefined() || (boolean != nullptr && boolean->IsTruthy() && !in.IsTruthy());
      if (use_default) return def != nullptr ? *def : Value::String("");
      return in;
    }
    if (name == "first" || name == "last") {
      TM_ASSIGN_OR_RETURN(Value::List items, ListOf(in));
      if (items.empty()) return Value::Undefined();
      return name == "first" ? items.front() : items.back();
    }
    if (name == "list") {
      TM_ASSIGN_OR_RETURN(Value::List items, ListOf(in));
      return Value::MakeList(std::move(items));
    }
    if (name == "reverse") {
      if (in.is_string()) {
        std::vector<std::string> chars = CodePoints(in.string_value());
        std::string out;
        for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
        return Value::String(std::move(out));
      }
      TM_ASSIGN_OR_RETURN(Value::List items, ListOf(in));
      std::reverse(items.begin(), items.end());
      return Value::MakeList(std::move(items));
    }
    if (name == "join") {
      const Value* sep = Arg(a, 0, "d");
      const Value* attribute = Arg(a, 1, "attribute");
      TM_ASSIGN_OR_RETURN(Value::List items, ListOf(in));
      std::string out;
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0 && sep != nullptr) sep->AppendStr(&out);
        if (attribute != nullptr && attribute->is_string() && items[i].is_dict()) {
          const Value* v = items[i].Find(attribute->string_value());
          if (v != nullptr) v->AppendStr(&out);
        } else {
          items[i].AppendStr(&out);
        }
      }
      return Value::String(std::move(out));
    }
    if (name == "dictsort") {
      // dictsort(case_sensitive=false, by='key', reverse=false)
      if (!in.is_dict()) return absl::InvalidArgumentError("dictsort filter needs a mapping");
      const Value* case_sensitive = Arg(a, 0, "case_sensitive");
      const Value* by = Arg(a, 1, "by");
      const Value* reverse = Arg(a, 2, "reverse");
      bool by_value = by != nullptr && by->is_string() && by->string_value() == "value";
      bool fold = case_sensitive == nullptr || !case_sensitive->IsTruthy();
      Value::Dict pairs = in.dict();
      absl::Status error;
      std::stable_sort(pairs.begin(), pairs.end(), [&](const auto& x, const auto& y) {
        Value kx = by_value ? x.second : Value::String(x.first);
        Value ky = by_value ? y.second : Value::String(y.first);
        if (fold && kx.is_string()) kx = Value::String(Lower(kx.string_value()));
        if (fold && ky.is_string()) ky = Value::String(Lower(ky.string_value()));
        auto less = Compare("<", kx, ky);
        if (!less.ok()) {
          error = less.status();
          return false;
        }
        return *less;
      });
      TM_RETURN_IF_ERROR(error);
      if (reverse != nullptr && reverse->IsTruthy()) std::reverse(pairs.begin(), pairs.end());
      Value::List out;
      for (auto& [k, v] : pairs) out.push_back(Value::MakeTuple({Value::String(k), std::move(v)}));
      return Value::MakeList(std::move(out));
    }
    if (name == "items") {
      if (in.is_undefined()) return Value::MakeList();
      if (!in.is_dict()) return absl::InvalidArgumentError("items filter needs a mapping");
      return CallMethod(in, "items", CallArgs{});
    }
    if (name == "replace") {
      TM_ASSIGN_OR_RETURN(std::string from, StringArg(a, 0, "old", name));
      TM_ASSIGN_OR_RETURN(std::string to, StringArg(a, 1, "new", name));
      const Value* count = Arg(a, 2, "count");
      int64_t n = (count != nullptr && count->is_int()) ? count->int_value() : -1;
      return Value::String(Replace(in.Str(), from, to, n));
    }
    if ((name == "int" || name == "float") && in.is_undefined()) return UndefinedError(in);
    if (name == "int") {
      if (in.is_int()) return in;
      if (in.is_bool()) return Value::Int(in.bool_value());
      if (in.is_float() && std::isfinite(in.float_value()) && std::fabs(in.float_value()) < 9e18) {
        return Value::Int(static_cast<int64_t>(in.float_value()));
      }
      if (in.is_string()) {
        std::string t = Strip(in.string_value(), nullptr, true, true);
        char* end = nullptr;
        long long v = std::strtoll(t.c_str(), &end, 10);
        if (!t.empty() && end == t.c_str() + t.size()) return Value::Int(v);
      }
      const Value* def = Arg(a, 0, "default");
      return def != nullptr ? *def : Value::Int(0);
    }
    if (name == "float") {
      if (in.is_number() || in.is_bool()) return Value::Float(in.AsDouble());
      if (in.is_string()) {
        std::string t = Strip(in.string_value(), nullptr, true, true);
        char* end = nullptr;
        double v = std::strtod(t.c_str(), &end);
        if (!t.empty() && end == t.c_str() + t.size()) return Value::Float(v);
      }
      const Value* def = Arg(a, 0, "default");
      return def != nullptr ? *def : Value::Float(0);
    }
    if (name == "abs") {
      if (in.is_bool()) return Value::Int(in.bool_value());
      if (in.is_int() && in.int_value() != std::numeric_limits<int64_t>::min()) {
        return Value::Int(in.int_value() < 0 ? -in.int_value() : in.int_value());
      }
      if (in.is_float()) return Value::Float(std::fabs(in.float_value()));
      return absl::InvalidArgumentError(
          base::StrCat("bad operand type for abs(): '", in.TypeName(), "'"));
    }
    if (name == "map" || name == "selectattr" || name == "rejectattr" || name == "select" ||
        name == "reject") {
      return FilterSequence(name, in, a);
    }
    return absl::InvalidArgumentError(base::StrCat("no filter named '", name, "'"));
  }

  absl::StatusOr<Value::List> ListOf(const Value& in) {
    switch (in.kind()) {
      case Value::Kind::kUndefined:
        return Value::List{};
      case Value::Kind::kList:
        return in.list();
      case Value::Kind::kString: {
        Value::List out;
        for (std::string& c : CodePoints(in.string_value()))
          out.push_back(Value::String(std::move(c)));
        return out;
      }
      case Value::Kind::kDict: {
        Value::List out;
        for (const auto& [k, v] : in.dict()) out.push_back(Value::String(k));
        return out;
      }
      default:
        return absl::InvalidArgumentError(
            base::StrCat("'", in.TypeName(), "' object is not iterable"));
    }
  }

  static Value Attribute(const Value& item, const std::string& path) {
    Value cur = item;
    size_t start = 0;
    while (true) {
      size_t dot = path.find('.', start);
      std::string part =
          path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!cur.is_dict()) return Value::Undefined(part);
      const Value* v = cur.Find(part);
      if (v == nullptr) return Value::Undefined(part);
      cur = *v;
      if (dot == std::string::npos) return cur;
      start = dot + 1;
    }
  }

  absl::StatusOr<Value> FilterSequence(std::string_view name, const Value& in, const CallArgs& a) {
    TM_ASSIGN_OR_RETURN(Value::List items, ListOf(in));
    Value::List out;
    if (name == "map") {
      const Value* attribute = Arg(a, 99, "attribute");
      for (const Value& item : items) {
        if (attribute != nullptr && attribute->is_string()) {
          Value v = Attribute(item, attribute->string_value());
          if (v.is_undefined()) {
            const Value* def = Arg(a, 99, "default");
            if (def != nullptr) v = *def;
          }
          out.push_back(std::move(v));
        } else if (!a.positional.empty() && a.positional[0].is_string()) {
          CallArgs rest;
          rest.positional.assign(a.positional.begin() + 1, a.positional.end());
          rest.keyword = a.keyword;
          TM_ASSIGN_OR_RETURN(Value v, ApplyFilter(a.positional[0].string_value(), item, rest));
          out.push_back(std::move(v));
        } else {
          return absl::InvalidArgumentError("map needs a filter name or attribute=");
        }
      }
      return Value::MakeList(std::move(out));
    }
    bool by_attr = name == "selectattr" || name == "rejectattr";
    bool keep_when = name == "select" || name == "selectattr";
    size_t next = 0;
    std::string attr;
    if (by_attr) {
      if (a.positional.empty() || !a.positional[0].is_string()) {
        return absl::InvalidArgumentError(base::StrCat(name, " needs an attribute name"));
      }
      attr = a.positional[0].string_value();
      next = 1;
    }
    std::string test;
    CallArgs test_args;
    if (next < a.positional.size()) {
      if (!a.positional[next].is_string())
        return absl::InvalidArgumentError(base::StrCat(name, " needs a test name"));
      test = a.positional[next].string_value();
      test_args.positional.assign(a.positional.begin() + static_cast<ptrdiff_t>(next) + 1,
                                  a.positional.end());
    }
    for (const Value& item : items) {
      Value subject = by_attr ? Attribute(item, attr) : item;
      bool pass = subject.IsTruthy();
      if (!test.empty()) {
        TM_ASSIGN_OR_RETURN(pass, ApplyTest(test, subject, test_args));
      }
      if (pass == keep_when) out.push_back(item);
    }
    return Value::MakeList(std::move(out));
  }

  // Tests.

  absl::StatusOr<bool> ApplyTest(std::string_view name, const Value& v, const CallArgs& a) {
    if (name == "defined") return !v.is_undefined();
    if (name == "undefined") return v.is_undefined();
    if (name == "none") return v.is_none();
    if (name == "boolean") return v.is_bool();
    if (name == "true") return v.is_bool() && v.bool_value();
    if (name == "false") return v.is_bool() && !v.bool_value();
    if (name == "string") return v.is_string();
    if (name == "number") return v.is_number() || v.is_bool();
    if (name == "integer") return v.is_int();
    if (name == "float") return v.is_float();
    if (name == "mapping") return v.is_dict() && !v.is_namespace();
    if (name == "iterable" || name == "sequence") {
      return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
    }
    if (name == "callable") return v.is_callable();
    if (name == "odd" || name == "even") {
      // value % 2 == 1 (odd) or == 0 (even), as Python computes it.
      if (v.is_float()) {
        double m = std::fmod(v.float_value(), 2.0);
        if (m < 0) m += 2.0;
        return name == "odd" ? m == 1.0 : m == 0.0;
      }
      if (!v.is_int() && !v.is_bool()) {
        return absl::InvalidArgumentError(base::StrCat("'", name, "' test needs a number"));
      }
      int64_t i = v.is_bool() ? v.bool_value() : v.int_value();
      bool odd = (i % 2) != 0;
      return name == "odd" ? odd : !odd;
    }
    if (name == "divisibleby") {
      const Value* d = Arg(a, 0, "num");
      if (!v.is_int() || d == nullptr || !d->is_int() || d->int_value() == 0) {
        return absl::InvalidArgumentError("divisibleby needs nonzero integers");
      }
      return v.int_value() % d->int_value() == 0;
    }
    const Value* other = Arg(a, 0, "other");
    if (name == "eq" || name == "equalto" || name == "==" || name == "sameas") {
      if (other == nullptr)
        return absl::InvalidArgumentError(base::StrCat("'", name, "' test needs an argument"));
      if (name == "sameas") {
        if (v.kind() != other->kind()) return false;
      }
      return v == *other;
    }
    if (name == "ne" || name == "!=") {
      if (other == nullptr)
        return absl::InvalidArgumentError(base::StrCat("'", name, "' test needs an argument"));
      return !(v == *other);
    }
    if (name == "in") {
      if (other == nullptr) return absl::InvalidArgumentError("'in' test needs an argument");
      return Contains(*other, v);
    }
    if (name == "lower" || name == "upper") {
      // str.islower()/isupper(): some cased character, and none of the other case.
      if (!v.is_string()) return false;
      const std::string& s = v.string_value();
      bool cased = Lower(s) != Upper(s);
      return cased && (name == "lower" ? Lower(s) == s : Upper(s) == s);
    }
    if (name == "lt" || name == "gt" || name == "le" || name == "ge" || name == "lessthan" ||
        name == "greaterthan") {
      if (other == nullptr)
        return absl::InvalidArgumentError(base::StrCat("'", name, "' test needs an argument"));
      std::string op = name == "lt" || name == "lessthan"      ? "<"
                       : name == "gt" || name == "greaterthan" ? ">"
                       : name == "le"                          ? "<="
                                                               : ">=";
      return Compare(op, v, *other);
    }
    return absl::InvalidArgumentError(base::StrCat("no test named '", name, "'"));
  }

  // Operators.

  static absl::StatusOr<bool> Contains(const Value& haystack, const Value& needle) {
    switch (haystack.kind()) {
      case Value::Kind::kUndefined:
        return false;
      case Value::Kind::kString:
        if (!needle.is_string()) {
          return absl::InvalidArgumentError(base::StrCat(
              "'in <string>' requires string as left operand, not ", needle.TypeName()));
        }
        return haystack.string_value().find(needle.string_value()) != std::string::npos;
      case Value::Kind::kList:
        for (const Value& item : haystack.list()) {
          if (item == needle) return true;
        }
        return false;
      case Value::Kind::kDict:
        return needle.is_string() && haystack.Find(needle.string_value()) != nullptr;
      default:
        return absl::InvalidArgumentError(
            base::StrCat("argument of type '", haystack.TypeName(), "' is not iterable"));
    }
  }

  static absl::StatusOr<bool> Compare(std::string_view op, const Value& l, const Value& r) {
    if (op == "==") return l == r;
    if (op == "!=") return !(l == r);
    int cmp = 0;
    bool l_num = l.is_number() || l.is_bool();
    bool r_num = r.is_number() || r.is_bool();
    if (l_num && r_num) {
      if (l.is_float() || r.is_float()) {
        double a = l.AsDouble(), b = r.AsDouble();
        if (std::isnan(a) || std::isnan(b)) return false;
        cmp = a < b ? -1 : a > b ? 1 : 0;
      } else {
        int64_t a = l.is_bool() ? l.bool_value() : l.int_value();
        int64_t b = r.is_bool() ? r.bool_value() : r.int_value();
        cmp = a < b ? -1 : a > b ? 1 : 0;
      }
    } else if (l.is_string() && r.is_string()) {
      int c = l.string_value().compare(r.string_value());
      cmp = c < 0 ? -1 : c > 0 ? 1 : 0;
    } else if (l.is_list() && r.is_list()) {
      // Lexicographic, like Python sequences.
      const Value::List& a = l.list();
      const Value::List& b = r.list();
      size_t i = 0;
      while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
      if (i < a.size() && i < b.size()) return Compare(op, a[i], b[i]);
      cmp = a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
    } else {
      return absl::InvalidArgumentError(base::StrCat("'", op,
                                                     "' not supported between instances of '",
                                                     l.TypeName(), "' and '", r.TypeName(), "'"));
    }
    if (op == "<") return cmp < 0;
    if (op == ">") return cmp > 0;
    if (op == "<=") return cmp <= 0;
    return cmp >= 0;
  }

  absl::StatusOr<Value> EvalBinary(const Expr& e) {
    std::string_view op = e.name;
    TM_ASSIGN_OR_RETURN(Value l, Eval(*e.args[0]));
    if (op == "and") {
      if (!l.IsTruthy()) return l;
      return Eval(*e.args[1]);
    }
    if (op == "or") {
      if (l.IsTruthy()) return l;
      return Eval(*e.args[1]);
    }
    TM_ASSIGN_OR_RETURN(Value r, Eval(*e.args[1]));
    if (op == "~") {
      std::string out = l.Str();
      r.AppendStr(&out);
      TM_RETURN_IF_ERROR(Charge(e, out.size()));
      return Value::String(std::move(out));
    }
    if (op == "in" || op == "not in") {
      auto hit = Contains(r, l);
      if (!hit.ok()) return ErrorAt(e, hit.status().message());
      return Value::Bool(*hit == (op == "in"));
    }
    if (op == "==" || op == "!=" || op == "<" || op == ">" || op == "<=" || op == ">=") {
      if ((l.is_undefined() || r.is_undefined()) && op != "==" && op != "!=") {
        return ErrorAt(e, UndefinedError(l.is_undefined() ? l : r).message());
      }
      auto result = Compare(op, l, r);
      if (!result.ok()) return ErrorAt(e, result.status().message());
      return Value::Bool(*result);
    }
    if (l.is_undefined()) return ErrorAt(e, UndefinedError(l).message());
    if (r.is_undefined()) return ErrorAt(e, UndefinedError(r).message());
    auto result = Arithmetic(op, l, r);
    if (!result.ok()) return ErrorAt(e, result.status().message());
    if (result->is_string()) TM_RETURN_IF_ERROR(Charge(e, result->string_value().size()));
    if (result->is_list()) TM_RETURN_IF_ERROR(Charge(e, result->list().size() * sizeof(Value)));
    return result;
  }

  // Counts bytes built by string and list operators, so that no template (say, one
  // doubling a string in a loop) runs away with time or memory.
  absl::Status Charge(const Expr& e, size_t bytes) {
    if (bytes > kMaxBuiltBytes / 64) return ErrorAt(e, "string or list too large");
    built_bytes_ += bytes;
    if (built_bytes_ > kMaxBuiltBytes) return ErrorAt(e, "template builds too much data");
    return absl::OkStatus();
  }

  static absl::StatusOr<Value> Repeat(const Value& seq, int64_t n) {
    if (n <= 0) return seq.is_string() ? Value::String("") : Value::MakeList();
    if (seq.is_string() ? seq.string_value().empty() : seq.list().empty()) return seq;
    size_t unit = seq.is_string() ? seq.string_value().size() : seq.list().size();
    if (unit != 0 && static_cast<uint64_t>(n) > static_cast<uint64_t>(kMaxSequenceLength) / unit) {
      return absl::InvalidArgumentError("repetition result too large");
    }
    if (seq.is_string()) {
      size_t total = unit * static_cast<size_t>(n);
      std::string out;
      out.reserve(total);
      out = seq.string_value();
      while (out.size() * 2 <= total) out.append(out.data(), out.size());
      out.append(out.data(), total - out.size());
      return Value::String(std::move(out));
    }
    Value::List out;
    for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.list().begin(), seq.list().end());
    return Value::MakeList(std::move(out));
  }

  static absl::StatusOr<Value> Arithmetic(std::string_view op, Value l, Value r) {
    if (l.is_bool()) l = Value::Int(l.bool_value());
    if (r.is_bool()) r = Value::Int(r.bool_value());
    auto unsupported = [&]() {
      return absl::InvalidArgumentError(base::StrCat("unsupported operand type(s) for ", op, ": '",
                                                     l.TypeName(), "' and '", r.TypeName(), "'"));
    };
    if (op == "+") {
      if (l.is_string() && r.is_string()) return Value::String(l.string_value() + r.string_value());
      if (l.is_list() && r.is_list()) {
        Value::List out = l.list();
        out.insert(out.end(), r.list().begin(), r.list().end());
        return Value::MakeList(std::move(out));
      }
    }
    if (op == "*") {
      if ((l.is_string() || l.is_list()) && r.is_int()) return Repeat(l, r.int_value());
      if (l.is_int() && (r.is_string() || r.is_list())) return Repeat(r, l.int_value());
    }
    if (op == "%" && l.is_string()) {
      return absl::InvalidArgumentError("printf-style string formatting ('%') is not supported");
    }
    if (!l.is_number() || !r.is_number()) return unsupported();
    if (l.is_int() && r.is_int()) {
      int64_t a = l.int_value(), b = r.int_value(), out = 0;
      if (op == "+" && !__builtin_add_overflow(a, b, &out)) return Value::Int(out);
      if (op == "-" && !__builtin_sub_overflow(a, b, &out)) return Value::Int(out);
      if (op == "*" && !__builtin_mul_overflow(a, b, &out)) return Value::Int(out);
      if (op == "//" || op == "%") {
        if (b == 0) return absl::InvalidArgumentError("integer division or modulo by zero");
        if (a == std::numeric_limits<int64_t>::min() && b == -1) {
          return absl::InvalidArgumentError("integer overflow");
        }
        int64_t q = a / b, m = a % b;
        if (m != 0 && ((m < 0) != (b < 0))) {
          --q;
          m += b;
        }
        return Value::Int(op == "//" ? q : m);
      }
      if (op == "**" && b >= 0) {
        int64_t result = 1;
        for (int64_t i = 0; i < b; ++i) {
          if (__builtin_mul_overflow(result, a, &result))
            return absl::InvalidArgumentError("integer overflow");
          if (result == 0 || result == 1) break;
        }
        if (result == 1 && a == -1 && b % 2 == 1) result = -1;
        return Value::Int(result);
      }
      if (op == "+" || op == "-" || op == "*")
        return absl::InvalidArgumentError("integer overflow");
    }
    double a = l.AsDouble(), b = r.AsDouble();
    if (op == "+") return Value::Float(a + b);
    if (op == "-") return Value::Float(a - b);
    if (op == "*") return Value::Float(a * b);
    if (op == "/") {
      if (b == 0) return absl::InvalidArgumentError("division by zero");
      return Value::Float(a / b);
    }
    if (op == "//" || op == "%") {
      if (b == 0) return absl::InvalidArgumentError("float division or modulo by zero");
      double m = std::fmod(a, b);
      if (m != 0 && ((m < 0) != (b < 0))) m += b;
      if (op == "%") return Value::Float(m);
      return Value::Float(std::floor(a / b));
    }
    if (op == "**") return Value::Float(std::pow(a, b));
    return unsupported();
  }

  enum class Flow { kNormal, kBreak, kContinue };

  const Value& globals_;
  std::string* out_;
  std::vector<Value::Dict> frames_;
  size_t base_ = 0;
  Flow flow_ = Flow::kNormal;
  int call_depth_ = 0;
  int64_t iterations_ = 0;
  size_t built_bytes_ = 0;
  int eval_depth_ = 0;
};

}  // namespace

absl::StatusOr<std::string> RenderJinja(const ParsedTemplate& tmpl, const Value& globals) {
  std::string out;
  Interpreter interpreter(globals, &out);
  TM_RETURN_IF_ERROR(interpreter.Run(tmpl.body));
  return out;
}

}  // namespace tracemill::text
