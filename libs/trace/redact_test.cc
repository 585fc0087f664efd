#include "libs/trace/redact.h"

#include <initializer_list>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "libs/base/json.h"
#include "libs/base/str_cat.h"
#include "libs/trace/test_util.h"
#include "libs/trace/trace_json.h"

namespace tracemill::trace {
namespace {

// Realistic-looking but fake secrets, one per kind.
constexpr std::string_view kOpenAi = "sk-proj-4fGh7JkL9mNpQ2rStUvWx3yZaB5cDeFgH1iJkLmNoP";
constexpr std::string_view kOpenAiLegacy = "sk-Zx8Qm2LpR4tV7wY1aB3cD5eF6gH9jK0nP2qS4uW6xY8zA1bC";
constexpr std::string_view kAnthropic =
    "sk-ant-api03-Xy7Zq2Wv9Ut4Sr1Qp8On5Ml3Kj6Ih0Gf-AbCdEfGhIjKlMnOp_QrStUvAA";
constexpr std::string_view kHf = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
constexpr std::string_view kAwsId = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kAwsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kBearer = "8f14e45fceea167a5a36dedd4bea2543";
constexpr std::string_view kGhp = "ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ";
constexpr std::string_view kGithubPat = "github_pat_11ABCDEFG0123456789_abcdefghijKLMNOPQRSTUV";
constexpr std::string_view kSlack = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
constexpr std::string_view kGoogle = "AIzaSyD-1234567890abcdefghijklmnopqrstu";
constexpr std::string_view kJwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
constexpr std::string_view kPem =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----";

Redactor Default() { return Redactor(RedactOptions{}); }

std::string Redacted(const Redactor& r, std::string_view text, int* count = nullptr) {
  std::string s(text);
  int n = r.RedactText(&s, nullptr);
  if (count != nullptr) *count = n;
  return s;
}

struct KindCase {
  std::string_view kind;
  std::string input;
  std::string want;
};

TEST(RedactTest, EachKindIsDetected) {
  std::vector<KindCase> cases = {
      {"openai_key", base::StrCat("OPENAI_API_KEY=", kOpenAi, "\n"),
       "OPENAI_API_KEY=[REDACTED:openai_key]\n"},
      {"openai_key", base::StrCat("key: '", kOpenAiLegacy, "'"), "key: '[REDACTED:openai_key]'"},
      {"openai_key", "sk-svcacct-Ab3dEf6hIj9lMn2pQr5tUv8xYz1BcD4", "[REDACTED:openai_key]"},
      {"anthropic_key", base::StrCat("x-api-key: ", kAnthropic),
       "x-api-key: [REDACTED:anthropic_key]"},
      {"hf_token", base::StrCat("HF_TOKEN=", kHf, " uv run push"),
       "HF_TOKEN=[REDACTED:hf_token] uv run push"},
      {"aws_access_key_id", base::StrCat("aws_access_key_id = ", kAwsId),
       "aws_access_key_id = [REDACTED:aws_access_key_id]"},
      {"aws_access_key_id", "ASIAY34FZKBOKMUTVV7A,", "[REDACTED:aws_access_key_id],"},
      {"aws_secret_access_key", base::StrCat("aws_secret_access_key = ", kAwsSecret, "\n"),
       "aws_secret_access_key = [REDACTED:aws_secret_access_key]\n"},
      {"aws_secret_access_key",
       base::StrCat("export MY_AWS_SECRET_ACCESS_KEY=\"", kAwsSecret, "\""),
       "export MY_AWS_SECRET_ACCESS_KEY=\"[REDACTED:aws_secret_access_key]\""},
      {"aws_secret_access_key", base::StrCat("{\"AWS_SECRET_ACCESS_KEY\": \"", kAwsSecret, "\"}"),
       "{\"AWS_SECRET_ACCESS_KEY\": \"[REDACTED:aws_secret_access_key]\"}"},
      {"bearer_token", base::StrCat("Authorization: Bearer ", kBearer),
       "Authorization: Bearer [REDACTED:bearer_token]"},
      {"bearer_token", "curl -H 'authorization: bearer ya29.a0AfH6SMBx_3kQ-9zT~Lp' x",
       "curl -H 'authorization: bearer [REDACTED:bearer_token]' x"},
      {"github_token", base::StrCat("git clone https://", kGhp, "@github.com/o/r"),
       "git clone https://[REDACTED:github_token]@github.com/o/r"},
      {"github_token", base::StrCat("GH_TOKEN=", kGithubPat), "GH_TOKEN=[REDACTED:github_token]"},
      {"slack_token", base::StrCat("token ", kSlack, "."), "token [REDACTED:slack_token]."},
      {"google_api_key", base::StrCat("?key=", kGoogle, "&q=1"),
       "?key=[REDACTED:google_api_key]&q=1"},
      {"private_key", base::StrCat("id_rsa:\n", kPem, "\ndone"),
       "id_rsa:\n[REDACTED:private_key]\ndone"},
      {"private_key",
       "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n"
       "-----END OPENSSH PRIVATE KEY-----",
       "[REDACTED:private_key]"},
      {"jwt", base::StrCat("cookie session=", kJwt, ";"), "cookie session=[REDACTED:jwt];"},
  };
  Redactor r = Default();
  for (const KindCase& c : cases) {
    RedactStats stats;
    std::string text = c.input;
    EXPECT_EQ(r.RedactText(&text, &stats), 1) << c.input;
    EXPECT_EQ(text, c.want) << c.input;
    EXPECT_EQ(stats.total, 1);
    EXPECT_EQ(stats.by_kind[std::string(c.kind)], 1) << c.input;
  }
}

TEST(RedactTest, BearerWordIsKeptAndJwtAfterBearerIsOneHit) {
  Redactor r = Default();
  int n = 0;
  EXPECT_EQ(Redacted(r, base::StrCat("Bearer ", kJwt), &n), "Bearer [REDACTED:bearer_token]");
  EXPECT_EQ(n, 1);
}

TEST(RedactTest, PrivateKeyWithoutEndLineIsRedactedToTheEndOfItsBody) {
  // A truncated tool result: the END line is gone.
  std::string text = base::StrCat(kPem.substr(0, 120), "\n[Content truncated to 150 characters]");
  EXPECT_EQ(Redacted(Default(), text),
            "[REDACTED:private_key]\n[Content truncated to 150 characters]");
}

TEST(RedactTest, LookAlikesAreNotHits) {
  const std::vector<std::string> clean = {
      "task-list and skeleton and sk-learn",
      "see sk-this-is-a-long-hyphenated-phrase for details",
      "sk-2024-annual-report-summary-v2",
      "from huggingface_hub import hf_hub_download; hf_transfer_enabled_for_large_files_ok",
      "hf_abcdefghijklmnopqrstuvwxyzabcdefgh",  // one case only
      "AKIA is the prefix; AKIAIOSFODNN7EXAMPLEEXTRA; XAKIAIOSFODNN7EXAMPLE; AKIAiosfodnn7example",
      "aws_secret_access_key = <your secret access key here>",
      "aws_secret_access_key_id=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "the Bearer of bad news; bearer authentication-mechanism-description; Bearer ${TOKEN}",
      "ghost_protocol_configuration_for_the_whole_team_ok; ghp_short; gho_",
      "xoxo-hugs-and-kisses-from-everyone; xoxb-short",
      "AIzaWhatever",
      "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----",
      "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n",
      "----- section -----",
      "eyJustKidding; eyJhbGciOiJIUzI1NiJ9; eyJhbGciOiJIUzI1NiJ9.short.x",
      "contact jane.doe@example.com",  // emails are off by default
      "[REDACTED:openai_key] [REDACTED:bearer_token]",
  };
  Redactor r = Default();
  for (const std::string& text : clean) {
    int n = -1;
    EXPECT_EQ(Redacted(r, text, &n), text);
    EXPECT_EQ(n, 0) << text;
  }
}

TEST(RedactTest, KeysInsideWordsAreNotHits) {
  // No token boundary before the prefix.
  Redactor r = Default();
  std::string text = base::StrCat("mask", kOpenAi.substr(2), " x", kHf, " 9", kGhp);
  EXPECT_EQ(Redacted(r, text), text);
}

TEST(RedactTest, Emails) {
  Redactor r(RedactOptions{.emails = true});
  int n = 0;
  EXPECT_EQ(Redacted(r, "mail jane.doe+ops@example.co.uk, or ops@trelis.com.", &n),
            "mail [REDACTED:email], or [REDACTED:email].");
  EXPECT_EQ(n, 2);
  for (std::string_view clean : {"npx @playwright/mcp@latest", "logo@2x.png", "user@localhost",
                                 "pkg@1.2.3", "a @ b.com", "@mention"}) {
    EXPECT_EQ(Redacted(r, clean), clean);
  }
  // In JSON text the escape's letter is not part of the address.
  EXPECT_EQ(Redacted(r, R"({"t":"to:\njane@example.com"})"), R"({"t":"to:\n[REDACTED:email]"})");
}

TEST(RedactTest, Literals) {
  Redactor r(
      RedactOptions{.literals = {"EMPTY", "", "my-internal-token-42", "my-internal-token-42"}});
  int n = 0;
  EXPECT_EQ(Redacted(r, "api_key=EMPTY token=my-internal-token-42;my-internal-token-42", &n),
            "api_key=EMPTY token=[REDACTED:literal];[REDACTED:literal]");
  EXPECT_EQ(n, 2);
  // A literal overlapping a pattern hit is one redaction, named after the longer hit.
  Redactor both(RedactOptions{.literals = {std::string(kOpenAi.substr(0, 20))}});
  EXPECT_EQ(Redacted(both, base::StrCat("k=", kOpenAi), &n), "k=[REDACTED:openai_key]");
  EXPECT_EQ(n, 1);
}

TEST(RedactTest, IsIdempotentAndCountsByKind) {
  Redactor r = Default();
  std::string text = base::StrCat(kOpenAi, " ", kHf, " ", kOpenAiLegacy, " Bearer ", kBearer);
  RedactStats stats;
  EXPECT_EQ(r.RedactText(&text, &stats), 4);
  EXPECT_EQ(stats.total, 4);
  EXPECT_EQ(stats.by_kind["openai_key"], 2);
  EXPECT_EQ(stats.by_kind["hf_token"], 1);
  EXPECT_EQ(stats.by_kind["bearer_token"], 1);
  std::string once = text;
  EXPECT_EQ(r.RedactText(&text, &stats), 0);
  EXPECT_EQ(text, once);
  EXPECT_EQ(stats.total, 4);
  EXPECT_EQ(r.RedactText(&text, nullptr), 0);
}

TEST(RedactTest, FindReportsSpans) {
  std::string text = base::StrCat("a ", kHf, " b");
  std::vector<SecretSpan> spans = Default().Find(text);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].begin, 2u);
  EXPECT_EQ(spans[0].end, 2 + kHf.size());
  EXPECT_EQ(spans[0].kind, "hf_token");
  EXPECT_TRUE(Default().Find("").empty());
}

TEST(RedactTest, ConcurrentConstUse) {
  const Redactor r = Default();
  std::vector<std::thread> threads;
  std::vector<int> counts(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 200; ++i) {
        std::string s = base::StrCat("x ", kOpenAi, " y ", kJwt);
        counts[k] += r.RedactText(&s, nullptr);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int c : counts) EXPECT_EQ(c, 400);
}

// ---- RedactTrace ----

// Replaces each "$NAME" key of `vars` in `tmpl` by its value.
TEST(RedactTraceTest, EveryTextFieldAndProvenanceWithoutSecrets) {
  std::string json = Fill(R"({"id":"r1","endpoint":"https://api.example.com/v1?key=$GOOGLE",
    "deploy_note":"token $GHP",
    "messages":[
      {"role":"system","content":"You are helpful."},
      {"role":"user","content":[{"type":"text","text":"my key is $OPENAI"}]},
      {"role":"assistant","content":"\n\n","reasoning_content":"The user shared $HF, do not echo it.",
       "tool_calls":[{"id":"c1","type":"function","function":{"name":"http_get",
         "arguments":{"url":"https://x","headers":{"Authorization":"Bearer $BEARER"},
                      "note":"line1\n$LEGACY"}}}]},
      {"role":"tool","tool_call_id":"c1","content":"AWS_SECRET_ACCESS_KEY=$AWS\nok"},
      {"role":"assistant","content":"Done."}]})",
                          {{"$GOOGLE", kGoogle},
                           {"$GHP", kGhp},
                           {"$OPENAI", kOpenAi},
                           {"$HF", kHf},
                           {"$BEARER", kBearer},
                           {"$LEGACY", kOpenAiLegacy},
                           {"$AWS", kAwsSecret}});
  Trace t = ParseOrFail(json);
  RedactStats stats;
  EXPECT_EQ(Default().RedactTrace(&t, &stats), 7);
  EXPECT_EQ(stats.total, 7);

  // Arguments stay valid JSON and keep their structure.
  const std::string& args = t.messages[2].tool_calls[0].arguments;
  absl::StatusOr<Json> parsed = base::ParseJson(args, "args");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)["headers"]["Authorization"], "Bearer [REDACTED:bearer_token]");
  EXPECT_EQ((*parsed)["note"], "line1\n[REDACTED:openai_key]");

  EXPECT_EQ(t.messages[1].content_parts[0]["text"], "my key is [REDACTED:openai_key]");
  EXPECT_EQ(*t.messages[3].content, "AWS_SECRET_ACCESS_KEY=[REDACTED:aws_secret_access_key]\nok");
  EXPECT_EQ(t.endpoint, "https://api.example.com/v1?key=[REDACTED:google_api_key]");

  ASSERT_EQ(t.provenance.size(), 4u);
  EXPECT_EQ(t.provenance[0].op, "redact");
  EXPECT_EQ(t.provenance[0].message_index, 1);
  EXPECT_EQ(t.provenance[0].detail, "1 secret (openai_key)");
  EXPECT_EQ(t.provenance[1].message_index, 2);
  EXPECT_EQ(t.provenance[1].detail, "3 secrets (bearer_token, hf_token, openai_key)");
  EXPECT_EQ(t.provenance[2].message_index, 3);
  EXPECT_EQ(t.provenance[3].message_index, -1);
  EXPECT_EQ(t.provenance[3].detail, "2 secrets (github_token, google_api_key) in trace fields");

  std::string out = base::DumpJson(TraceToJson(t));
  for (std::string_view secret :
       {kGoogle, kGhp, kOpenAi, kHf, kBearer, kOpenAiLegacy, kAwsSecret}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret;
  }
  // Nothing left to do the second time.
  EXPECT_EQ(Default().RedactTrace(&t, nullptr), 0);
  EXPECT_EQ(t.provenance.size(), 4u);
}

TEST(RedactTraceTest, ArgumentsStayValidWhenAHitCrossesJsonSyntax) {
  // A private key whose END line sits in another string field: a plain text redaction
  // would swallow the quotes between, so the string values are redacted one by one.
  Trace t = ParseOrFail(R"({"id":"r2","messages":[{"role":"assistant","content":null,"tool_calls":[
    {"id":"c1","type":"function","function":{"name":"write","arguments":
      "{\"begin\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\", \"n\": 1, \"end\": \"-----END PRIVATE KEY-----\"}"}}]}]})");
  EXPECT_EQ(Default().RedactTrace(&t, nullptr), 1);
  const std::string& args = t.messages[0].tool_calls[0].arguments;
  absl::StatusOr<Json> parsed = base::ParseJson(args, "args");
  ASSERT_TRUE(parsed.ok()) << args;
  EXPECT_EQ((*parsed)["begin"], "[REDACTED:private_key]");
  EXPECT_EQ((*parsed)["n"], 1);
  EXPECT_EQ(args.find("MIIEvQIBADANBg"), std::string::npos);
}

TEST(RedactTraceTest, InvalidJsonArgumentsAreRedactedAsText) {
  Trace t = ParseOrFail(Fill(R"({"id":"r3","messages":[{"role":"assistant","content":null,
    "tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"k\": $KEY"}}]}]})",
                             {{"$KEY", kOpenAi}}));
  EXPECT_EQ(Default().RedactTrace(&t, nullptr), 1);
  EXPECT_EQ(t.messages[0].tool_calls[0].arguments, "{\"k\": [REDACTED:openai_key]");
}

TEST(RedactTraceTest, EveryStringValueOfPartsCallsToolsAndTraceFields) {
  Trace t = ParseOrFail(R"({"id":"r4","messages":[
    {"role":"user","content":"hi"},
    {"role":"assistant","content":null,"tool_calls":[
      {"id":"c1","type":"function","function":{"name":"get","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c1","content":"ok"}],
    "tools":[{"type":"function","function":{"name":"get","description":"Fetch",
      "parameters":{"type":"object","properties":{"token":{"type":"string"}}}}}]})");
  ASSERT_EQ(t.tools.size(), 1u);
  Message& user = t.messages[0];
  user.content.reset();
  user.content_parts = Json::array(
      {Json{{"type", "input_text"}, {"text", base::StrCat("key ", kOpenAi)}},
       Json{{"type", "image_url"},
            {"image_url", {{"url", base::StrCat("https://x/?k=", kGoogle)}}}},
       Json{{"type", 1}, {"text", std::string(kHf)}}, Json{{"type", "text"}, {"text", 5}}});
  user.extra["meta"] = Json{{"auth", base::StrCat("Bearer ", kBearer)}};
  ToolCall& call = t.messages[1].tool_calls[0];
  call.extra["x_trace"] = std::string(kSlack);
  call.function_extra["note"] = std::string(kGhp);
  t.tools[0].json["function"]["parameters"]["properties"]["token"]["default"] =
      std::string(kGithubPat);
  t.extra["env"] = Json::array({base::StrCat("AWS_KEY=", kAwsId)});
  t.sampling["extra_headers"] = Json{{"x-api-key", std::string(kAnthropic)}};
  t.outcome.detail = base::StrCat("failed: ", kJwt);
  t.endpoint = base::StrCat("https://api.example.com/?key=", kOpenAiLegacy);

  RedactStats stats;
  EXPECT_NO_THROW(EXPECT_EQ(Default().RedactTrace(&t, &stats), 11));
  EXPECT_EQ(user.content_parts[0]["text"], "key [REDACTED:openai_key]");
  EXPECT_EQ(user.content_parts[1]["image_url"]["url"], "https://x/?k=[REDACTED:google_api_key]");
  EXPECT_EQ(user.content_parts[2]["text"], "[REDACTED:hf_token]");
  EXPECT_EQ(user.content_parts[3]["text"], 5);
  EXPECT_EQ(user.extra["meta"]["auth"], "Bearer [REDACTED:bearer_token]");
  EXPECT_EQ(call.extra["x_trace"], "[REDACTED:slack_token]");
  EXPECT_EQ(call.function_extra["note"], "[REDACTED:github_token]");
  EXPECT_EQ(t.tools[0].json["function"]["parameters"]["properties"]["token"]["default"],
            "[REDACTED:github_token]");
  EXPECT_EQ(t.tools[0].json["function"]["name"], "get");
  EXPECT_EQ(t.extra["env"][0], "AWS_KEY=[REDACTED:aws_access_key_id]");
  EXPECT_EQ(t.sampling["extra_headers"]["x-api-key"], "[REDACTED:anthropic_key]");
  EXPECT_EQ(t.outcome.detail, "failed: [REDACTED:jwt]");
  EXPECT_EQ(t.endpoint, "https://api.example.com/?key=[REDACTED:openai_key]");

  ASSERT_EQ(t.provenance.size(), 3u);
  EXPECT_EQ(t.provenance[0].message_index, 0);
  EXPECT_EQ(t.provenance[0].detail,
            "4 secrets (bearer_token, google_api_key, hf_token, openai_key)");
  EXPECT_EQ(t.provenance[1].message_index, 1);
  EXPECT_EQ(t.provenance[1].detail, "2 secrets (github_token, slack_token)");
  EXPECT_EQ(t.provenance[2].message_index, -1);
  EXPECT_EQ(t.provenance[2].detail,
            "5 secrets (anthropic_key, aws_access_key_id, github_token, jwt, openai_key) in "
            "trace fields");
  EXPECT_EQ(Default().RedactTrace(&t, nullptr), 0);
}

TEST(RedactTraceTest, ContentPartsOfAnyShapeDoNotThrow) {
  Trace t = ParseOrFail(R"({"id":"r5","messages":[{"role":"user","content":"x"},
    {"role":"tool","tool_call_id":"c1","content":"x"}]})");
  for (Message& m : t.messages) {
    m.content.reset();
    m.content_parts = Json::parse(R"([{"type":1,"text":"x"},{"type":"text","text":5},
                                      {"type":null},7,"loose string",null])");
  }
  EXPECT_NO_THROW(EXPECT_EQ(Default().RedactTrace(&t, nullptr), 0));
  t.messages[1].content_parts[0]["text"] = std::string(kOpenAi);
  EXPECT_NO_THROW(EXPECT_EQ(Default().RedactTrace(&t, nullptr), 1));
  EXPECT_EQ(t.messages[1].content_parts[0]["text"], "[REDACTED:openai_key]");
}

TEST(RedactTraceTest, DeeplyNestedArgumentsDoNotOverflowTheStack) {
  // A private key whose END line sits in another string: valid JSON, but 100000 levels
  // deep, beyond what base::ParseJson accepts, so it is redacted as text.
  constexpr int kDepth = 100000;
  std::string args =
      std::string(kDepth, '[') +
      R"("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg", "-----END PRIVATE KEY-----")" +
      std::string(kDepth, ']');
  Trace t =
      ParseOrFail(R"({"id":"deep","messages":[{"role":"assistant","content":null,"tool_calls":[
    {"id":"c1","type":"function","function":{"name":"write","arguments":"{}"}}]}]})");
  t.messages[0].tool_calls[0].arguments = args;
  EXPECT_EQ(Default().RedactTrace(&t, nullptr), 1);
  const std::string& out = t.messages[0].tool_calls[0].arguments;
  EXPECT_EQ(out.find("MIIEvQIBADANBg"), std::string::npos);
  EXPECT_NE(out.find("[REDACTED:private_key]"), std::string::npos);
}

TEST(RedactTraceTest, CleanAndEmptyTracesAreUntouched) {
  Trace t = ParseOrFail(R"({"id":"c","messages":[{"role":"user","content":null},
    {"role":"user","content":"Open the skeleton task-list"}]})");
  EXPECT_EQ(Default().RedactTrace(&t, nullptr), 0);
  EXPECT_TRUE(t.provenance.empty());
  Trace empty = ParseOrFail(R"({"id":"e","messages":[]})");
  EXPECT_EQ(Default().RedactTrace(&empty, nullptr), 0);
}

}  // namespace
}  // namespace tracemill::trace
