// Jinja parser: turns lexer tokens into a syntax tree.
//
// Statements: if/elif/else, for (with `else`, `if` filter, tuple targets), set (names,
// `ns.attr`, block form), macro, call blocks, break/continue, and generation blocks
// (rendered as their body). Expressions follow jinja2's precedence: ternary, or, and,
// not, comparisons and `in`, `~`, `+ -`, `* / // %`, `**`, unary minus, then postfix
// attribute/subscript/slice/call, filters and `is` tests.
#ifndef TRACEMILL_LIBS_TEXT_JINJA_PARSER_H_
#define TRACEMILL_LIBS_TEXT_JINJA_PARSER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/text/jinja_lexer.h"
#include "libs/text/jinja_value.h"

namespace tracemill::text {

struct Expr {
  enum class Kind {
    kLiteral,  // literal
    kName,     // name
    kList,     // args: items; name "tuple" for a tuple literal
    kDict,     // args: key0, value0, key1, value1, ...
    kGetAttr,  // args[0].name
    kGetItem,  // args[0][args[1]]
    kSlice,    // args[0][args[1]:args[2]:args[3]], each bound may be null
    kCall,     // args[0](args[1..], kwargs)
    kFilter,   // args[0] | name(args[1..], kwargs)
    kTest,     // args[0] is [not] name(args[1..])
    kUnary,    // name in {"-", "+", "not"}; args[0]
    kBinary,   // name is the operator (including "and", "or", "in", "not in"); args[0], args[1]
    kCond,     // args[0] if args[1] else args[2] (args[2] may be null)
  };
  Kind kind;
  int line = 0;
  int column = 0;
  std::string name;
  Value literal;
  bool negated = false;
  std::vector<std::unique_ptr<Expr>> args;
  std::vector<std::pair<std::string, std::unique_ptr<Expr>>> kwargs;
};

struct Node;
using Body = std::vector<std::unique_ptr<Node>>;

struct Node {
  enum class Kind {
    kText,
    kOutput,
    kIf,
    kFor,
    kSet,
    kSetBlock,
    kMacro,
    kCallBlock,
    kBreak,
    kContinue
  };
  Kind kind;
  int line = 0;
  int column = 0;
  std::string text;                  // kText
  std::unique_ptr<Expr> expr;        // kOutput, kFor (iterable), kSet (value), kCallBlock (call)
  std::vector<std::string> targets;  // kFor/kSet/kSetBlock: names; kMacro: [name]
  std::string attr;                  // kSet/kSetBlock: `ns.attr` assignment when non-empty
  std::unique_ptr<Expr> filter;      // kFor: `if` condition
  std::vector<std::pair<std::unique_ptr<Expr>, Body>> branches;  // kIf: (condition, body)
  Body body;       // kFor, kSetBlock, kMacro, kCallBlock
  Body else_body;  // kIf, kFor
  // kMacro and kCallBlock (caller parameters): names with optional defaults.
  std::vector<std::pair<std::string, std::unique_ptr<Expr>>> params;
};

struct ParsedTemplate {
  Body body;
};

// Parses a token stream from TokenizeJinja. Errors are InvalidArgument naming the line
// and column. Nesting deeper than 256 levels is an error (no stack overflow on any input).
absl::StatusOr<ParsedTemplate> ParseJinja(const std::vector<Token>& tokens);

}  // namespace tracemill::text

#endif  // TRACEMILL_LIBS_TEXT_JINJA_PARSER_H_
