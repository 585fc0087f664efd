#include "libs/trace/json_schema.h"

#include <chrono>
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tracemill::trace {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::vector<std::string> Check(const std::string& schema, const std::string& value,
                               size_t max_violations = 20) {
  std::vector<std::string> out;
  for (const SchemaViolation& v :
       ValidateJsonSchema(Json::parse(schema), Json::parse(value), max_violations)) {
    out.push_back(v.ToString());
  }
  return out;
}

struct Case {
  const char* name;
  const char* schema;
  const char* value;
  std::vector<std::string> violations;  // empty: valid
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class SchemaTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(SchemaTableTest, Validates) {
  const Case& c = GetParam();
  EXPECT_THAT(Check(c.schema, c.value), ElementsAreArray(c.violations))
      << "schema " << c.schema << "\nvalue " << c.value;
}

const Case kCases[] = {
    // type
    {"StringOk", R"({"type":"string"})", R"("x")", {}},
    {"StringBad", R"({"type":"string"})", "5", {"$: expected string, got number"}},
    {"NumberAcceptsInteger", R"({"type":"number"})", "5", {}},
    {"NumberAcceptsFloat", R"({"type":"number"})", "5.5", {}},
    {"IntegerAcceptsWholeFloat", R"({"type":"integer"})", "3.0", {}},
    {"IntegerRejectsFraction", R"({"type":"integer"})", "3.5", {"$: expected integer, got number"}},
    {"IntegerAcceptsNegative", R"({"type":"integer"})", "-7", {}},
    {"IntegerAcceptsBigUnsigned", R"({"type":"integer"})", "18446744073709551615", {}},
    {"BooleanBad", R"({"type":"boolean"})", R"("true")", {"$: expected boolean, got string"}},
    {"NullOk", R"({"type":"null"})", "null", {}},
    {"ObjectBad", R"({"type":"object"})", "[]", {"$: expected object, got array"}},
    {"ArrayBad", R"({"type":"array"})", "{}", {"$: expected array, got object"}},
    {"TypeListOk", R"({"type":["string","null"]})", "null", {}},
    {"TypeListBad",
     R"({"type":["string","null"]})",
     "1",
     {"$: expected string or null, got number"}},
    {"TypeUnknownNameIgnored", R"({"type":"any"})", "1", {}},
    {"NullableAcceptsNull", R"({"type":"string","nullable":true})", "null", {}},
    {"NullableStillChecksType",
     R"({"type":"string","nullable":true})",
     "1",
     {"$: expected string, got number"}},
    {"NotNullableRejectsNull",
     R"({"type":"string","nullable":false})",
     "null",
     {"$: expected string, got null"}},
    // enum / const
    {"EnumOk", R"({"enum":["a","b"]})", R"("a")", {}},
    {"EnumBad",
     R"({"type":"string","enum":["a","b"]})",
     R"("x")",
     {R"($: "x" is not one of ["a","b"])"}},
    {"EnumNumbersByValue", R"({"enum":[1,2]})", "2.0", {}},
    {"EnumObjectsIgnoreKeyOrder", R"({"enum":[{"a":1,"b":2}]})", R"({"b":2,"a":1})", {}},
    {"EnumMixed", R"({"enum":[null,1,"x"]})", "true", {R"($: true is not one of [null,1,"x"])"}},
    {"ConstOk", R"({"const":"tab"})", R"("tab")", {}},
    {"ConstBad", R"({"const":"tab"})", R"("window")", {R"($: expected "tab", got "window")"}},
    // objects
    {"RequiredMissing",
     R"({"type":"object","required":["element","ref"]})",
     R"({"ref":"e1"})",
     {R"($: missing required property "element")"}},
    {"RequiredAllMissing",
     R"({"required":["a","b"]})",
     "{}",
     {R"($: missing required property "a")", R"($: missing required property "b")"}},
    {"RequiredIgnoredForNonObjects", R"({"required":["a"]})", "5", {}},
    {"PropertyType",
     R"({"properties":{"url":{"type":"string"}}})",
     R"({"url":5})",
     {"$.url: expected string, got number"}},
    {"NestedObjects",
     R"({"type":"object","properties":{"options":{"type":"object","properties":{"depth":{"type":"integer","minimum":0}},"required":["depth"]}}})",
     R"({"options":{"depth":-1}})",
     {"$.options.depth: -1 is less than the minimum 0"}},
    {"NestedRequired",
     R"({"properties":{"options":{"type":"object","required":["depth"]}}})",
     R"({"options":{}})",
     {R"($.options: missing required property "depth")"}},
    {"OddKeyPath",
     R"({"properties":{"a-b":{"type":"string"},"x y":{"type":"string"}}})",
     R"({"a-b":1,"x y":2})",
     {R"($["a-b"]: expected string, got number)", R"($["x y"]: expected string, got number)"}},
    {"AdditionalFalse",
     R"({"type":"object","properties":{"url":{"type":"string"}},"additionalProperties":false})",
     R"({"url":"x","foo":1})",
     {R"($: unexpected property "foo")"}},
    {"AdditionalTrue",
     R"({"properties":{"url":{}},"additionalProperties":true})",
     R"({"url":"x","foo":1})",
     {}},
    {"AdditionalSchema",
     R"({"properties":{"a":{}},"additionalProperties":{"type":"string"}})",
     R"({"a":1,"b":"x","c":2})",
     {"$.c: expected string, got number"}},
    {"PatternPropertiesDescribeKeys",
     R"({"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false})",
     R"({"x-a":"ok","x-b":1,"y":2})",
     {R"($["x-b"]: expected string, got number)", R"($: unexpected property "y")"}},
    {"MinMaxProperties",
     R"({"minProperties":2,"maxProperties":3})",
     R"({"a":1})",
     {"$: expected at least 2 properties, got 1"}},
    {"MaxProperties",
     R"({"maxProperties":1})",
     R"({"a":1,"b":2})",
     {"$: expected at most 1 property, got 2"}},
    // arrays
    {"ItemsSchema",
     R"({"type":"array","items":{"type":"string"}})",
     R"(["a",2,"c",4])",
     {"$[1]: expected string, got number", "$[3]: expected string, got number"}},
    {"ItemsNestedPath",
     R"({"properties":{"items":{"type":"array","items":{"type":"object","properties":{"ref":{"type":"string"}}}}}})",
     R"({"items":[{"ref":"a"},{"ref":"b"},{"ref":3}]})",
     {"$.items[2].ref: expected string, got number"}},
    {"TupleItems",
     R"({"items":[{"type":"string"},{"type":"number"}]})",
     R"(["a","b",true])",
     {"$[1]: expected number, got string"}},
    {"TupleAdditionalItemsFalse",
     R"({"items":[{"type":"string"}],"additionalItems":false})",
     R"(["a","b"])",
     {"$: expected at most 1 item, got 2"}},
    {"PrefixItems",
     R"({"prefixItems":[{"type":"string"}],"items":{"type":"integer"}})",
     R"(["a",1,2.5])",
     {"$[2]: expected integer, got number"}},
    {"PrefixItemsClosed",
     R"({"prefixItems":[{},{}],"items":false})",
     "[1,2,3]",
     {"$: expected at most 2 items, got 3"}},
    {"MinItems", R"({"minItems":1})", "[]", {"$: expected at least 1 item, got 0"}},
    {"MaxItems", R"({"maxItems":2})", "[1,2,3]", {"$: expected at most 2 items, got 3"}},
    {"UniqueItemsOk", R"({"uniqueItems":true})", R"([1,"1",[1],{"a":1}])", {}},
    {"UniqueItemsBad",
     R"({"uniqueItems":true})",
     "[1,2,1.0]",
     {"$: items [0] and [2] are equal, expected unique items"}},
    {"UniqueItemsObjects",
     R"({"uniqueItems":true})",
     R"([{"a":1,"b":2},{"b":2,"a":1}])",
     {"$: items [0] and [1] are equal, expected unique items"}},
    {"UniqueItemsFalse", R"({"uniqueItems":false})", "[1,1]", {}},
    {"Contains",
     R"({"contains":{"type":"string"}})",
     "[1,2]",
     {R"($: no item matches the "contains" schema)"}},
    {"ContainsOk", R"({"contains":{"type":"string"}})", R"([1,"a"])", {}},
    // strings
    {"MinLength", R"({"minLength":3})", R"("ab")", {"$: expected at least 3 characters, got 2"}},
    {"MaxLengthCountsCodePoints", R"({"maxLength":2})", R"("日本")", {}},
    {"MaxLengthBad",
     R"({"maxLength":2})",
     R"("日本語")",
     {"$: expected at most 2 characters, got 3"}},
    {"MinLengthEmoji",
     R"({"minLength":2})",
     R"("😀")",
     {"$: expected at least 2 characters, got 1"}},
    {"PatternOk", R"({"pattern":"^https?://"})", R"("https://x")", {}},
    {"PatternIsSearch", R"({"pattern":"b+"})", R"("abbc")", {}},
    {"PatternBad",
     R"({"pattern":"^https?://"})",
     R"("ftp://x")",
     {R"($: "ftp://x" does not match pattern "^https?://")"}},
    {"InvalidPatternIgnored", R"({"pattern":"(unclosed"})", R"("x")", {}},
    // numbers
    {"Minimum", R"({"minimum":1})", "0", {"$: 0 is less than the minimum 1"}},
    {"MinimumInclusive", R"({"minimum":1})", "1", {}},
    {"Maximum", R"({"maximum":10})", "10.5", {"$: 10.5 is greater than the maximum 10"}},
    {"ExclusiveMinimumNumber",
     R"({"exclusiveMinimum":0})",
     "0",
     {"$: 0 is not greater than the exclusive minimum 0"}},
    {"ExclusiveMaximumNumber", R"({"exclusiveMaximum":5})", "4.99", {}},
    {"ExclusiveMaximumNumberBad",
     R"({"exclusiveMaximum":5})",
     "5",
     {"$: 5 is not less than the exclusive maximum 5"}},
    {"Draft4ExclusiveMinimum",
     R"({"minimum":0,"exclusiveMinimum":true})",
     "0",
     {"$: 0 is not greater than the exclusive minimum 0"}},
    {"Draft4ExclusiveMaximum",
     R"({"maximum":5,"exclusiveMaximum":true})",
     "5",
     {"$: 5 is not less than the exclusive maximum 5"}},
    {"Draft4ExclusiveFalse", R"({"maximum":5,"exclusiveMaximum":false})", "5", {}},
    {"MultipleOfInteger", R"({"multipleOf":3})", "9", {}},
    {"MultipleOfIntegerBad", R"({"multipleOf":3})", "10", {"$: expected a multiple of 3, got 10"}},
    {"MultipleOfDecimal", R"({"multipleOf":0.01})", "0.07", {}},
    {"MultipleOfDecimalBad",
     R"({"multipleOf":0.5})",
     "0.3",
     {"$: expected a multiple of 0.5, got 0.3"}},
    {"NumberKeywordsIgnoreStrings", R"({"minimum":5})", R"("1")", {}},
    // combinators
    {"AnyOfOk", R"({"anyOf":[{"type":"string"},{"type":"null"}]})", "null", {}},
    {"AnyOfBad",
     R"({"anyOf":[{"type":"string"},{"type":"null"}]})",
     "1",
     {"$: matches none of the anyOf alternatives (#0: expected string, got number; #1: expected "
      "null, got number)"}},
    {"AnyOfDeeperViolation",
     R"({"anyOf":[{"type":"object","required":["a"]},{"type":"array"}]})",
     "{}",
     {R"($: matches none of the anyOf alternatives (#0: missing required property "a"; #1: expected array, got object))"}},
    {"AnyOfNestedPath",
     R"({"properties":{"x":{"anyOf":[{"properties":{"y":{"type":"string"}}}]}}})",
     R"({"x":{"y":1}})",
     {"$.x: matches none of the anyOf alternatives (#0: $.x.y: expected string, got number)"}},
    {"OneOfOk", R"({"oneOf":[{"type":"integer"},{"type":"string"}]})", "1", {}},
    {"OneOfTwo",
     R"({"oneOf":[{"type":"integer"},{"type":"number"}]})",
     "1",
     {"$: matches more than one oneOf alternative (#0 and #1), expected exactly one"}},
    {"OneOfNone",
     R"({"oneOf":[{"type":"integer"}]})",
     R"("x")",
     {"$: matches none of the oneOf alternatives (#0: expected integer, got string)"}},
    {"AllOf",
     R"({"allOf":[{"required":["a"]},{"required":["b"]}]})",
     R"({"a":1})",
     {R"($: missing required property "b")"}},
    {"Not", R"({"not":{"type":"string"}})", R"("x")", {R"($: must not match the "not" schema)"}},
    {"NotOk", R"({"not":{"type":"string"}})", "1", {}},
    {"IfThenElse",
     R"({"if":{"properties":{"kind":{"const":"a"}}},"then":{"required":["x"]},"else":{"required":["y"]}})",
     R"({"kind":"b"})",
     {R"($: missing required property "y")"}},
    // $ref
    {"RefDefs",
     R"({"$defs":{"pos":{"type":"integer","minimum":0}},"properties":{"x":{"$ref":"#/$defs/pos"}}})",
     R"({"x":-1})",
     {"$.x: -1 is less than the minimum 0"}},
    {"RefDefinitions",
     R"({"definitions":{"s":{"type":"string"}},"items":{"$ref":"#/definitions/s"}})",
     R"(["a",1])",
     {"$[1]: expected string, got number"}},
    {"RefRootRecursive",
     R"({"type":"object","properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#"}}}})",
     R"({"name":"a","children":[{"name":"b","children":[{"name":3}]}]})",
     {"$.children[0].children[0].name: expected string, got number"}},
    {"RefEscapedPointer",
     R"({"$defs":{"a/b":{"type":"string"},"m~n":{"type":"number"}},"properties":{"p":{"$ref":"#/$defs/a~1b"},"q":{"$ref":"#/$defs/m~0n"}}})",
     R"({"p":1,"q":"x"})",
     {"$.p: expected string, got number", "$.q: expected number, got string"}},
    {"RefPercentEncoded",
     R"({"$defs":{"s":{"type":"string"}},"$ref":"#/%24defs/s"})",
     "1",
     {"$: expected string, got number"}},
    {"RefSelfCycleCutOff", R"({"$ref":"#"})", "1", {}},
    {"RefMutualCycleCutOff",
     R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"})",
     "1",
     {}},
    {"RefCycleThroughAnyOf", R"({"anyOf":[{"$ref":"#"}]})", "1", {}},
    {"RefUnresolvableIgnored", R"({"$ref":"#/$defs/missing"})", "1", {}},
    {"RefRemoteIgnored", R"({"$ref":"http://example.com/schema.json"})", "1", {}},
    // boolean schemas
    {"TrueSchema", "true", R"({"a":1})", {}},
    {"FalseSchema", "false", "1", {"$: no value is allowed here (the schema is false)"}},
    {"FalsePropertySchema",
     R"({"properties":{"a":false}})",
     R"({"a":1})",
     {"$.a: no value is allowed here (the schema is false)"}},
    {"EmptySchema", "{}", R"([1,{"a":null}])", {}},
    // malformed schemas are ignored, never fatal
    {"MalformedType", R"({"type":5})", "1", {}},
    {"MalformedTypeList", R"({"type":["string",5]})", "1", {}},
    {"MalformedRequired", R"({"required":"a"})", "{}", {}},
    {"MalformedRequiredEntries",
     R"({"required":[1,null,"a"]})",
     "{}",
     {R"($: missing required property "a")"}},
    {"MalformedProperties", R"({"properties":[1,2]})", R"({"a":1})", {}},
    {"MalformedPropertySchema", R"({"properties":{"a":5}})", R"({"a":1})", {}},
    {"MalformedItems", R"({"items":"string"})", "[1]", {}},
    {"MalformedEnum", R"({"enum":"a"})", R"("b")", {}},
    {"MalformedMinLength", R"({"minLength":-1,"maxLength":"3"})", R"("abcdef")", {}},
    {"MalformedMultipleOf", R"({"multipleOf":0})", "3", {}},
    {"MalformedAnyOf", R"({"anyOf":{"type":"string"}})", "1", {}},
    {"MalformedRef", R"({"$ref":5})", "1", {}},
    {"MalformedRefIntoScalar", R"({"x":1,"$ref":"#/x/y"})", "1", {}},
    {"SchemaIsNotObject", R"("string")", "1", {}},
    {"UnknownKeywordsIgnored",
     R"({"$schema":"http://json-schema.org/draft-07/schema#","title":"t","description":"d","format":"uri","x-foo":1})",
     R"("not a uri")",
     {}},
};

INSTANTIATE_TEST_SUITE_P(Keywords, SchemaTableTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

// The Playwright MCP browser_click schema as the reference agent recorded it.
constexpr const char* kBrowserClickSchema = R"({
  "type": "object",
  "properties": {
    "element": {"type": "string", "description": "Human-readable element description"},
    "ref": {"type": "string", "description": "Exact target element reference"},
    "doubleClick": {"type": "boolean"},
    "button": {"type": "string", "enum": ["left", "right", "middle"]},
    "modifiers": {"type": "array", "items": {"type": "string",
                  "enum": ["Alt", "Control", "ControlOrMeta", "Meta", "Shift"]}}
  },
  "required": ["element", "ref"],
  "additionalProperties": false,
  "$schema": "http://json-schema.org/draft-07/schema#"
})";

TEST(JsonSchemaTest, PlaywrightClickValid) {
  EXPECT_THAT(Check(kBrowserClickSchema,
                    R"({"element":"Learn more link","ref":"e42","modifiers":["Shift"]})"),
              IsEmpty());
}

TEST(JsonSchemaTest, PlaywrightClickReportsEveryViolationInOrder) {
  EXPECT_THAT(
      Check(kBrowserClickSchema,
            R"({"ref":7,"button":"x","modifiers":["Shift","Hyper"],"target":"e1"})"),
      ElementsAre(
          R"($: missing required property "element")", "$.ref: expected string, got number",
          R"($.button: "x" is not one of ["left","right","middle"])",
          R"($.modifiers[1]: "Hyper" is not one of ["Alt","Control","ControlOrMeta","Meta","Shift"])",
          R"($: unexpected property "target")"));
}

TEST(JsonSchemaTest, MaxViolationsCapsTheList) {
  const char* schema = R"({"items":{"type":"string"}})";
  EXPECT_THAT(Check(schema, "[1,2,3,4,5]", 2), SizeIs(2));
  EXPECT_THAT(Check(schema, "[1,2,3,4,5]", 0), SizeIs(5));  // 0: no limit
  EXPECT_THAT(Check(schema, "[1,2,3,4,5]"), SizeIs(5));
}

TEST(JsonSchemaTest, LongValuesAreQuotedShort) {
  std::string long_string(1000, 'x');
  auto violations = Check(R"({"enum":["a"]})", "\"" + long_string + "\"");
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_LT(violations[0].size(), 200u);
  EXPECT_NE(violations[0].find("xxx\"... is not one of [\"a\"]"), std::string::npos)
      << violations[0];
}

TEST(JsonSchemaTest, PatternSkippedOnHugeStrings) {
  std::string huge(100000, 'a');
  EXPECT_THAT(Check(R"({"pattern":"^(a|b)*$"})", "\"" + huge + "\""), IsEmpty());
  EXPECT_THAT(Check(R"({"pattern":"^b"})", "\"" + huge + "\""), IsEmpty());
}

TEST(JsonSchemaTest, DeepNestingDoesNotOverflow) {
  // A recursive schema over a value nested far deeper than any tool argument.
  std::string value;
  for (int i = 0; i < 2000; ++i) value += "[";
  for (int i = 0; i < 2000; ++i) value += "]";
  auto violations = Check(R"({"type":"array","items":{"$ref":"#"}})", value);
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_NE(violations[0].find("nested too deeply"), std::string::npos) << violations[0];
}

TEST(JsonSchemaTest, RefIntoArrayByIndex) {
  EXPECT_THAT(
      Check(R"({"anyOf":[{"type":"string"}],"properties":{"a":{"$ref":"#/anyOf/0"}}})",
            R"({"a":1})"),
      ElementsAre("$.a: expected string, got number",
                  "$: matches none of the anyOf alternatives (#0: expected string, got object)"));
}

TEST(JsonSchemaTest, SiblingsOfRefApply) {
  EXPECT_THAT(
      Check(R"({"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","minLength":2})", R"("a")"),
      ElementsAre("$: expected at least 2 characters, got 1"));
}

TEST(JsonSchemaTest, AnyOfListsAtMostThreeAlternatives) {
  auto violations = Check(
      R"({"anyOf":[{"type":"string"},{"type":"null"},{"type":"array"},{"type":"object"}]})", "1");
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_NE(violations[0].find("#2: expected array"), std::string::npos) << violations[0];
  EXPECT_EQ(violations[0].find("#3"), std::string::npos) << violations[0];
  EXPECT_NE(violations[0].find("; ...)"), std::string::npos) << violations[0];
}

TEST(JsonSchemaTest, CountKeywordsOfAnySizeAreReadSafely) {
  // Beyond uint64: clamped, and quoted as written.
  EXPECT_THAT(Check(R"({"minLength": 1e30})", R"("abc")"),
              ElementsAre("$: expected at least 1e+30 characters, got 3"));
  EXPECT_THAT(Check(R"({"maxLength": 1e30, "maxItems": 1e300, "maxProperties": 1e19})", R"("abc")"),
              IsEmpty());
  EXPECT_THAT(Check(R"({"minItems": 1e300})", "[1]"),
              ElementsAre("$: expected at least 1e+300 items, got 1"));
  EXPECT_THAT(Check(R"({"minProperties": 18446744073709551615})", "{}"),
              ElementsAre("$: expected at least 18446744073709551615 properties, got 0"));
  EXPECT_THAT(
      Check(R"({"contains": {"type": "string"}, "minContains": 1e20})", R"(["a"])"),
      ElementsAre(R"($: expected at least 1e+20 items matching the "contains" schema, got 1)"));
  // Negative, fractional or not numbers: malformed, ignored.
  EXPECT_THAT(Check(R"({"minLength": -5, "maxLength": -1e30, "minItems": 2.5})", R"("abc")"),
              IsEmpty());
  EXPECT_THAT(Check(R"({"maxItems": -5, "minItems": "3"})", "[1, 2]"), IsEmpty());
  // NaN and infinities (a Json value can hold them, JSON text cannot): ignored.
  for (double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    Json schema = {{"minLength", bad}, {"maxLength", bad},        {"minimum", bad},
                   {"maximum", bad},   {"exclusiveMinimum", bad}, {"multipleOf", bad}};
    EXPECT_THAT(ValidateJsonSchema(schema, Json("abc")), IsEmpty()) << bad;
    EXPECT_THAT(ValidateJsonSchema(schema, Json(3)), IsEmpty()) << bad;
  }
}

// `levels` definitions, each an anyOf (or oneOf) of two references to the next: 2^levels
// paths to the leaf.
Json NestedAlternatives(int levels, const char* combinator, const Json& leaf) {
  Json defs = Json::object();
  for (int i = 0; i < levels; ++i) {
    Json ref = {{"$ref", "#/$defs/d" + std::to_string(i + 1)}};
    defs["d" + std::to_string(i)] = {{combinator, Json::array({ref, ref})}};
  }
  defs["d" + std::to_string(levels)] = leaf;
  return {{"$defs", defs}, {"$ref", "#/$defs/d0"}};
}

TEST(JsonSchemaTest, ExponentialSchemasRunOutOfBudget) {
  const std::string kTooComplex =
      "$: schema too complex to check (gave up after 100000 keyword evaluations)";
  struct Case {
    const char* combinator;
    Json value;
  };
  // Failing anyOf tries every path; oneOf tries both sides of each level whether they
  // match or not; allOf tries every path when they all match.
  for (const Case& c :
       {Case{"anyOf", 1}, Case{"oneOf", 1}, Case{"oneOf", "a"}, Case{"allOf", "a"}}) {
    auto start = std::chrono::steady_clock::now();
    std::vector<SchemaViolation> violations =
        ValidateJsonSchema(NestedAlternatives(60, c.combinator, {{"type", "string"}}), c.value);
    auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_THAT(violations, SizeIs(1)) << c.combinator << " " << c.value;
    EXPECT_EQ(violations[0].ToString(), kTooComplex) << c.combinator << " " << c.value;
    EXPECT_LT(elapsed, std::chrono::seconds(2)) << c.combinator << " " << c.value;
  }
  // A few levels are fine.
  EXPECT_THAT(ValidateJsonSchema(NestedAlternatives(5, "anyOf", {{"type", "string"}}), Json("a")),
              IsEmpty());
  EXPECT_THAT(ValidateJsonSchema(NestedAlternatives(5, "allOf", {{"type", "string"}}), Json(1)),
              SizeIs(20));  // 2^5 failing leaves, capped at 20
}

TEST(JsonSchemaTest, LargeOrdinaryValuesStayWithinBudget) {
  Json items = Json::array();
  for (int i = 0; i < 10000; ++i) items.push_back({{"id", i}, {"name", "n"}});
  Json schema = Json::parse(R"({"type": "array", "items": {"type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    "required": ["id", "name"]}})");
  EXPECT_THAT(ValidateJsonSchema(schema, items), IsEmpty());
  items[9999]["id"] = "x";
  EXPECT_THAT(ValidateJsonSchema(schema, items), SizeIs(1));
}

TEST(JsonSchemaTest, ViolationToString) {
  SchemaViolation v{"$.url", "expected string, got number"};
  EXPECT_EQ(v.ToString(), "$.url: expected string, got number");
}

}  // namespace
}  // namespace tracemill::trace
