#include "libs/text/jinja_parser.h"

#include <algorithm>
#include <initializer_list>

#include "absl/status/status.h"
#include "libs/base/str_cat.h"

namespace tracemill::text {
namespace {

constexpr int kMaxDepth = 256;

// A recursive-descent parser. Parse functions return null after recording the first
// error in `error_`.
class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : tokens_(tokens) {}

  absl::StatusOr<ParsedTemplate> Run() {
    ParsedTemplate out;
    std::string stopped_at;
    if (!ParseBody(&out.body, {}, &stopped_at)) return error_;
    return out;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  bool IsOp(std::string_view op, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == TokenKind::kOperator && t.text == op;
  }
  bool IsName(std::string_view name, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == TokenKind::kName && t.text == name;
  }
  bool AcceptOp(std::string_view op) {
    if (!IsOp(op)) return false;
    Next();
    return true;
  }
  bool AcceptName(std::string_view name) {
    if (!IsName(name)) return false;
    Next();
    return true;
  }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::kEnd:
        return "end of template";
      case TokenKind::kText:
        return "template text";
      case TokenKind::kString:
        return "string literal";
      case TokenKind::kInt:
      case TokenKind::kFloat:
        return base::StrCat("number ", t.text);
      default:
        return base::StrCat("'", t.text, "'");
    }
  }

  bool Fail(const Token& at, std::string_view message) {
    if (error_.ok()) {
      error_ = absl::InvalidArgumentError(
          base::StrCat("template:", at.line, ":", at.column, ": ", message));
    }
    return false;
  }
  std::nullptr_t FailNull(const Token& at, std::string_view message) {
    Fail(at, message);
    return nullptr;
  }

  bool ExpectOp(std::string_view op) {
    if (AcceptOp(op)) return true;
    return Fail(Peek(), base::StrCat("expected '", op, "', got ", Describe(Peek())));
  }
  bool ExpectBlockEnd() {
    if (Peek().kind == TokenKind::kBlockEnd) {
      Next();
      return true;
    }
    return Fail(Peek(), base::StrCat("expected end of statement '%}', got ", Describe(Peek())));
  }
  bool ExpectName(std::string* out) {
    if (Peek().kind != TokenKind::kName) {
      return Fail(Peek(), base::StrCat("expected a name, got ", Describe(Peek())));
    }
    *out = Next().text;
    return true;
  }

  std::unique_ptr<Expr> MakeExpr(Expr::Kind kind, const Token& at) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = at.line;
    e->column = at.column;
    return e;
  }
  std::unique_ptr<Node> MakeNode(Node::Kind kind, const Token& at) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->line = at.line;
    n->column = at.column;
    return n;
  }

  // Parses nodes until a `{% name %}` block whose keyword is in `stops` (not consumed
  // beyond the keyword; the keyword is stored in `stopped_at`) or the end of input.
  bool ParseBody(Body* body, std::initializer_list<std::string_view> stops,
                 std::string* stopped_at) {
    if (++depth_ > kMaxDepth) return Fail(Peek(), "template nested too deeply");
    struct Guard {
      int* d;
      ~Guard() { --*d; }
    } guard{&depth_};
    while (true) {
      const Token& t = Peek();
      switch (t.kind) {
        case TokenKind::kEnd:
          if (stops.size() != 0) {
            return Fail(
                t, base::StrCat("unexpected end of template, expected '", *(stops.end() - 1), "'"));
          }
          return true;
        case TokenKind::kText: {
          auto n = MakeNode(Node::Kind::kText, t);
          n->text = Next().text;
          body->push_back(std::move(n));
          break;
        }
        case TokenKind::kVarBegin: {
          auto n = MakeNode(Node::Kind::kOutput, Next());
          n->expr = ParseExpression();
          if (n->expr == nullptr) return false;
          if (Peek().kind != TokenKind::kVarEnd) {
            return Fail(Peek(), base::StrCat("expected end of print statement '}}', got ",
                                             Describe(Peek())));
          }
          Next();
          body->push_back(std::move(n));
          break;
        }
        case TokenKind::kBlockBegin: {
          const Token& kw = Peek(1);
          if (kw.kind != TokenKind::kName)
            return Fail(kw, base::StrCat("expected a statement, got ", Describe(kw)));
          for (std::string_view stop : stops) {
            if (kw.text == stop) {
              Next();
              Next();
              *stopped_at = kw.text;
              return true;
            }
          }
          Next();
          auto n = ParseStatement();
          if (n == nullptr) return false;
          body->push_back(std::move(n));
          break;
        }
        default:
          return Fail(t, base::StrCat("unexpected ", Describe(t)));
      }
    }
  }

  std::unique_ptr<Node> ParseStatement() {
    const Token& kw = Next();
    const std::string& k = kw.text;
    if (k == "if") return ParseIf(kw);
    if (k == "for") return ParseFor(kw);
    if (k == "set") return ParseSet(kw);
    if (k == "macro") return ParseMacro(kw);
    if (k == "call") return ParseCallBlock(kw);
    if (k == "break" || k == "continue") {
      auto n = MakeNode(k == "break" ? Node::Kind::kBreak : Node::Kind::kContinue, kw);
      if (loop_depth_ == 0) return FailNull(kw, base::StrCat("'", k, "' outside of a loop"));
      if (!ExpectBlockEnd()) return nullptr;
      return n;
    }
    if (k == "generation") {
      // transformers' {% generation %} marks assistant text; it renders as its body.
      if (!ExpectBlockEnd()) return nullptr;
      auto n = MakeNode(Node::Kind::kIf, kw);
      auto cond = MakeExpr(Expr::Kind::kLiteral, kw);
      cond->literal = Value::Bool(true);
      Body inner;
      std::string stop;
      if (!ParseBody(&inner, {"endgeneration"}, &stop) || !ExpectBlockEnd()) return nullptr;
      n->branches.emplace_back(std::move(cond), std::move(inner));
      return n;
    }
    return FailNull(kw, base::StrCat("unknown statement '", k, "'"));
  }

  std::unique_ptr<Node> ParseIf(const Token& kw) {
    auto n = MakeNode(Node::Kind::kIf, kw);
    while (true) {
      auto cond = ParseExpression();
      if (cond == nullptr || !ExpectBlockEnd()) return nullptr;
      Body body;
      std::string stop;
      if (!ParseBody(&body, {"elif", "else", "endif"}, &stop)) return nullptr;
      n->branches.emplace_back(std::move(cond), std::move(body));
      if (stop == "elif") continue;
      if (!ExpectBlockEnd()) return nullptr;
      if (stop == "else") {
        if (!ParseBody(&n->else_body, {"endif"}, &stop) || !ExpectBlockEnd()) return nullptr;
      }
      return n;
    }
  }

  bool ParseTargets(std::vector<std::string>* targets) {
    bool paren = AcceptOp("(");
    do {
      std::string name;
      if (!ExpectName(&name)) return false;
      targets->push_back(std::move(name));
    } while (AcceptOp(","));
    if (paren && !ExpectOp(")")) return false;
    return true;
  }

  std::unique_ptr<Node> ParseFor(const Token& kw) {
    auto n = MakeNode(Node::Kind::kFor, kw);
    if (!ParseTargets(&n->targets)) return nullptr;
    if (!AcceptName("in"))
      return FailNull(Peek(), base::StrCat("expected 'in', got ", Describe(Peek())));
    n->expr = ParseExpression(/*allow_cond=*/false);
    if (n->expr == nullptr) return nullptr;
    if (AcceptName("if")) {
      n->filter = ParseExpression(/*allow_cond=*/false);
      if (n->filter == nullptr) return nullptr;
    }
    if (AcceptName("recursive")) return FailNull(kw, "recursive loops are not supported");
    if (!ExpectBlockEnd()) return nullptr;
    std::string stop;
    ++loop_depth_;
    bool ok = ParseBody(&n->body, {"else", "endfor"}, &stop);
    --loop_depth_;
    if (!ok || !ExpectBlockEnd()) return nullptr;
    if (stop == "else") {
      if (!ParseBody(&n->else_body, {"endfor"}, &stop) || !ExpectBlockEnd()) return nullptr;
    }
    return n;
  }

  std::unique_ptr<Node> ParseSet(const Token& kw) {
    auto n = MakeNode(Node::Kind::kSet, kw);
    if (Peek().kind == TokenKind::kName && IsOp(".", 1)) {
      n->targets.push_back(Next().text);
      Next();
      if (!ExpectName(&n->attr)) return nullptr;
    } else if (!ParseTargets(&n->targets)) {
      return nullptr;
    }
    if (Peek().kind == TokenKind::kBlockEnd) {
      Next();
      n->kind = Node::Kind::kSetBlock;
      std::string stop;
      if (!ParseBody(&n->body, {"endset"}, &stop) || !ExpectBlockEnd()) return nullptr;
      return n;
    }
    if (!ExpectOp("=")) return nullptr;
    n->expr = ParseExpression();
    if (n->expr == nullptr || !ExpectBlockEnd()) return nullptr;
    return n;
  }

  bool ParseParams(std::vector<std::pair<std::string, std::unique_ptr<Expr>>>* params) {
    if (!ExpectOp("(")) return false;
    while (!IsOp(")")) {
      std::string name;
      if (!ExpectName(&name)) return false;
      std::unique_ptr<Expr> def;
      if (AcceptOp("=")) {
        def = ParseExpression();
        if (def == nullptr) return false;
      }
      params->emplace_back(std::move(name), std::move(def));
      if (!AcceptOp(",")) break;
    }
    return ExpectOp(")");
  }

  std::unique_ptr<Node> ParseMacro(const Token& kw) {
    auto n = MakeNode(Node::Kind::kMacro, kw);
    std::string name;
    if (!ExpectName(&name) || !ParseParams(&n->params) || !ExpectBlockEnd()) return nullptr;
    n->targets.push_back(std::move(name));
    std::string stop;
    int saved_loop_depth = loop_depth_;
    loop_depth_ = 0;
    bool ok = ParseBody(&n->body, {"endmacro"}, &stop);
    loop_depth_ = saved_loop_depth;
    if (!ok || !ExpectBlockEnd()) return nullptr;
    return n;
  }

  std::unique_ptr<Node> ParseCallBlock(const Token& kw) {
    auto n = MakeNode(Node::Kind::kCallBlock, kw);
    if (IsOp("(") && !ParseParams(&n->params)) return nullptr;
    n->expr = ParseExpression();
    if (n->expr == nullptr) return nullptr;
    if (n->expr->kind != Expr::Kind::kCall) return FailNull(kw, "expected a call after 'call'");
    if (!ExpectBlockEnd()) return nullptr;
    std::string stop;
    if (!ParseBody(&n->body, {"endcall"}, &stop) || !ExpectBlockEnd()) return nullptr;
    return n;
  }

  // Expressions.

  struct DepthGuard {
    Parser* p;
    bool ok;
    explicit DepthGuard(Parser* parser) : p(parser), ok(++parser->depth_ <= kMaxDepth) {
      if (!ok) p->Fail(p->Peek(), "expression nested too deeply");
    }
    ~DepthGuard() { --p->depth_; }
  };

  std::unique_ptr<Expr> ParseExpression(bool allow_cond = true) {
    DepthGuard guard(this);
    if (!guard.ok) return nullptr;
    auto e = ParseOr();
    if (e == nullptr || !allow_cond) return e;
    while (IsName("if")) {
      const Token& at = Next();
      auto cond = MakeExpr(Expr::Kind::kCond, at);
      auto test = ParseOr();
      if (test == nullptr) return nullptr;
      std::unique_ptr<Expr> otherwise;
      if (AcceptName("else")) {
        otherwise = ParseExpression();
        if (otherwise == nullptr) return nullptr;
      }
      cond->args.push_back(std::move(e));
      cond->args.push_back(std::move(test));
      cond->args.push_back(std::move(otherwise));
      e = std::move(cond);
    }
    return e;
  }

  std::unique_ptr<Expr> Binary(const Token& at, std::string op, std::unique_ptr<Expr> l,
                               std::unique_ptr<Expr> r) {
    auto e = MakeExpr(Expr::Kind::kBinary, at);
    e->name = std::move(op);
    e->args.push_back(std::move(l));
    e->args.push_back(std::move(r));
    return e;
  }

  std::unique_ptr<Expr> ParseOr() {
    auto l = ParseAnd();
    while (l != nullptr && IsName("or")) {
      const Token& at = Next();
      auto r = ParseAnd();
      if (r == nullptr) return nullptr;
      l = Binary(at, "or", std::move(l), std::move(r));
    }
    return l;
  }

  std::unique_ptr<Expr> ParseAnd() {
    auto l = ParseNot();
    while (l != nullptr && IsName("and")) {
      const Token& at = Next();
      auto r = ParseNot();
      if (r == nullptr) return nullptr;
      l = Binary(at, "and", std::move(l), std::move(r));
    }
    return l;
  }

  std::unique_ptr<Expr> ParseNot() {
    if (IsName("not")) {
      DepthGuard guard(this);
      if (!guard.ok) return nullptr;
      auto e = MakeExpr(Expr::Kind::kUnary, Next());
      e->name = "not";
      auto operand = ParseNot();
      if (operand == nullptr) return nullptr;
      e->args.push_back(std::move(operand));
      return e;
    }
    return ParseCompare();
  }

  std::unique_ptr<Expr> ParseCompare() {
    auto l = ParseConcat();
    while (l != nullptr) {
      const Token& t = Peek();
      std::string op;
      if (t.kind == TokenKind::kOperator && (t.text == "==" || t.text == "!=" || t.text == "<" ||
                                             t.text == ">" || t.text == "<=" || t.text == ">=")) {
        op = t.text;
        Next();
      } else if (IsName("in")) {
        op = "in";
        Next();
      } else if (IsName("not") && IsName("in", 1)) {
        op = "not in";
        Next();
        Next();
      } else {
        break;
      }
      auto r = ParseConcat();
      if (r == nullptr) return nullptr;
      l = Binary(t, op, std::move(l), std::move(r));
    }
    return l;
  }

  std::unique_ptr<Expr> ParseConcat() {
    auto l = ParseMath1();
    while (l != nullptr && IsOp("~")) {
      const Token& at = Next();
      auto r = ParseMath1();
      if (r == nullptr) return nullptr;
      l = Binary(at, "~", std::move(l), std::move(r));
    }
    return l;
  }

  std::unique_ptr<Expr> ParseMath1() {
    auto l = ParseMath2();
    while (l != nullptr && (IsOp("+") || IsOp("-"))) {
      const Token& at = Next();
      auto r = ParseMath2();
      if (r == nullptr) return nullptr;
      l = Binary(at, at.text, std::move(l), std::move(r));
    }
    return l;
  }

  std::unique_ptr<Expr> ParseMath2() {
    auto l = ParsePow();
    while (l != nullptr && (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%"))) {
      const Token& at = Next();
      auto r = ParsePow();
      if (r == nullptr) return nullptr;
      l = Binary(at, at.text, std::move(l), std::move(r));
    }
    return l;
  }

  std::unique_ptr<Expr> ParsePow() {
    auto l = ParseUnary(/*with_filter=*/true);
    while (l != nullptr && IsOp("**")) {
      const Token& at = Next();
      auto r = ParseUnary(true);
      if (r == nullptr) return nullptr;
      l = Binary(at, "**", std::move(l), std::move(r));
    }
    return l;
  }

  std::unique_ptr<Expr> ParseUnary(bool with_filter) {
    DepthGuard guard(this);
    if (!guard.ok) return nullptr;
    std::unique_ptr<Expr> e;
    if (IsOp("-") || IsOp("+")) {
      e = MakeExpr(Expr::Kind::kUnary, Peek());
      e->name = Next().text;
      auto operand = ParseUnary(false);
      if (operand == nullptr) return nullptr;
      e->args.push_back(std::move(operand));
    } else {
      e = ParsePrimary();
      if (e == nullptr) return nullptr;
      e = ParsePostfix(std::move(e));
      if (e == nullptr) return nullptr;
    }
    if (with_filter) e = ParseFilterAndTests(std::move(e));
    return e;
  }

  std::unique_ptr<Expr> ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kName: {
        Next();
        auto e = MakeExpr(Expr::Kind::kLiteral, t);
        if (t.text == "true" || t.text == "True") {
          e->literal = Value::Bool(true);
        } else if (t.text == "false" || t.text == "False") {
          e->literal = Value::Bool(false);
        } else if (t.text == "none" || t.text == "None") {
          e->literal = Value::None();
        } else {
          e->kind = Expr::Kind::kName;
          e->name = t.text;
        }
        return e;
      }
      case TokenKind::kString: {
        std::string s;
        while (Peek().kind == TokenKind::kString) s += Next().text;
        auto e = MakeExpr(Expr::Kind::kLiteral, t);
        e->literal = Value::String(std::move(s));
        return e;
      }
      case TokenKind::kInt: {
        Next();
        auto e = MakeExpr(Expr::Kind::kLiteral, t);
        e->literal = Value::Int(t.int_value);
        return e;
      }
      case TokenKind::kFloat: {
        Next();
        auto e = MakeExpr(Expr::Kind::kLiteral, t);
        e->literal = Value::Float(t.float_value);
        return e;
      }
      case TokenKind::kOperator:
        if (t.text == "(") {
          Next();
          if (AcceptOp(")")) {
            auto empty = MakeExpr(Expr::Kind::kList, t);
            empty->name = "tuple";
            return empty;
          }
          auto e = ParseExpression();
          if (e == nullptr) return nullptr;
          if (IsOp(",")) {
            auto tuple = MakeExpr(Expr::Kind::kList, t);
            tuple->name = "tuple";
            tuple->args.push_back(std::move(e));
            while (AcceptOp(",")) {
              if (IsOp(")")) break;
              auto item = ParseExpression();
              if (item == nullptr) return nullptr;
              tuple->args.push_back(std::move(item));
            }
            e = std::move(tuple);
          }
          if (!ExpectOp(")")) return nullptr;
          return e;
        }
        if (t.text == "[") {
          Next();
          auto e = MakeExpr(Expr::Kind::kList, t);
          while (!IsOp("]")) {
            auto item = ParseExpression();
            if (item == nullptr) return nullptr;
            e->args.push_back(std::move(item));
            if (!AcceptOp(",")) break;
          }
          if (!ExpectOp("]")) return nullptr;
          return e;
        }
        if (t.text == "{") {
          Next();
          auto e = MakeExpr(Expr::Kind::kDict, t);
          while (!IsOp("}")) {
            auto key = ParseExpression();
            if (key == nullptr || !ExpectOp(":")) return nullptr;
            auto value = ParseExpression();
            if (value == nullptr) return nullptr;
            e->args.push_back(std::move(key));
            e->args.push_back(std::move(value));
            if (!AcceptOp(",")) break;
          }
          if (!ExpectOp("}")) return nullptr;
          return e;
        }
        break;
      default:
        break;
    }
    return FailNull(t, base::StrCat("unexpected ", Describe(t), " in expression"));
  }

  bool ParseCallArgs(Expr* call) {
    // The '(' is already consumed.
    while (!IsOp(")")) {
      if (Peek().kind == TokenKind::kName && IsOp("=", 1)) {
        std::string name = Next().text;
        Next();
        auto value = ParseExpression();
        if (value == nullptr) return false;
        call->kwargs.emplace_back(std::move(name), std::move(value));
      } else {
        if (!call->kwargs.empty())
          return Fail(Peek(), "positional argument after keyword argument");
        auto value = ParseExpression();
        if (value == nullptr) return false;
        call->args.push_back(std::move(value));
      }
      if (!AcceptOp(",")) break;
    }
    return ExpectOp(")");
  }

  std::unique_ptr<Expr> ParsePostfix(std::unique_ptr<Expr> e) {
    int chain = 0;
    while (true) {
      if (++chain > kMaxDepth) return FailNull(Peek(), "expression nested too deeply");
      const Token& t = Peek();
      if (IsOp(".")) {
        Next();
        const Token& name = Next();
        if (name.kind == TokenKind::kName) {
          auto a = MakeExpr(Expr::Kind::kGetAttr, t);
          a->name = name.text;
          a->args.push_back(std::move(e));
          e = std::move(a);
        } else if (name.kind == TokenKind::kInt) {
          auto a = MakeExpr(Expr::Kind::kGetItem, t);
          auto index = MakeExpr(Expr::Kind::kLiteral, name);
          index->literal = Value::Int(name.int_value);
          a->args.push_back(std::move(e));
          a->args.push_back(std::move(index));
          e = std::move(a);
        } else {
          return FailNull(
              name, base::StrCat("expected an attribute name after '.', got ", Describe(name)));
        }
      } else if (IsOp("[")) {
        Next();
        std::unique_ptr<Expr> parts[3];
        bool is_slice = false;
        for (int i = 0; i < 3; ++i) {
          if (!IsOp(":") && !IsOp("]")) {
            parts[i] = ParseExpression();
            if (parts[i] == nullptr) return nullptr;
          }
          if (i < 2 && AcceptOp(":")) {
            is_slice = true;
          } else {
            break;
          }
        }
        if (!ExpectOp("]")) return nullptr;
        if (!is_slice && parts[0] == nullptr) return FailNull(t, "empty subscript");
        auto s = MakeExpr(is_slice ? Expr::Kind::kSlice : Expr::Kind::kGetItem, t);
        s->args.push_back(std::move(e));
        s->args.push_back(std::move(parts[0]));
        if (is_slice) {
          s->args.push_back(std::move(parts[1]));
          s->args.push_back(std::move(parts[2]));
        }
        e = std::move(s);
      } else if (IsOp("(")) {
        Next();
        auto c = MakeExpr(Expr::Kind::kCall, t);
        c->args.push_back(std::move(e));
        if (!ParseCallArgs(c.get())) return nullptr;
        e = std::move(c);
      } else {
        return e;
      }
    }
  }

  std::unique_ptr<Expr> ParseFilterAndTests(std::unique_ptr<Expr> e) {
    int chain = 0;
    while (e != nullptr) {
      if (++chain > kMaxDepth) return FailNull(Peek(), "expression nested too deeply");
      if (IsOp("|")) {
        const Token& at = Next();
        auto f = MakeExpr(Expr::Kind::kFilter, at);
        if (!ExpectName(&f->name)) return nullptr;
        while (AcceptOp(".")) {  // dotted filter names
          std::string part;
          if (!ExpectName(&part)) return nullptr;
          f->name += "." + part;
        }
        f->args.push_back(std::move(e));
        if (AcceptOp("(") && !ParseCallArgs(f.get())) return nullptr;
        e = std::move(f);
      } else if (IsName("is")) {
        const Token& at = Next();
        auto test = MakeExpr(Expr::Kind::kTest, at);
        test->negated = AcceptName("not");
        const Token& name = Next();
        if (name.kind != TokenKind::kName) {
          return FailNull(name,
                          base::StrCat("expected a test name after 'is', got ", Describe(name)));
        }
        test->name = name.text;
        test->args.push_back(std::move(e));
        if (AcceptOp("(")) {
          if (!ParseCallArgs(test.get())) return nullptr;
        } else if (StartsTestArgument()) {
          auto arg = ParsePrimary();
          if (arg != nullptr) arg = ParsePostfix(std::move(arg));
          if (arg == nullptr) return nullptr;
          test->args.push_back(std::move(arg));
        }
        e = std::move(test);
      } else {
        return e;
      }
    }
    return e;
  }

  // jinja2 allows one argument without parentheses: `x is divisibleby 3`, `x is sameas y`.
  bool StartsTestArgument() const {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kString:
      case TokenKind::kInt:
      case TokenKind::kFloat:
        return true;
      case TokenKind::kName:
        return t.text != "else" && t.text != "or" && t.text != "and" && t.text != "is" &&
               t.text != "in" && t.text != "not" && t.text != "if";
      case TokenKind::kOperator:
        return t.text == "[" || t.text == "{";
      default:
        return false;
    }
  }

  const std::vector<Token>& tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  absl::Status error_;
};

}  // namespace

absl::StatusOr<ParsedTemplate> ParseJinja(const std::vector<Token>& tokens) {
  if (tokens.empty() || tokens.back().kind != TokenKind::kEnd) {
    return absl::InvalidArgumentError("template: token stream lacks its end token");
  }
  return Parser(tokens).Run();
}

}  // namespace tracemill::text
