// The Idempotency-Key header as the service reads it, and the digests that match a retry with the
// request it repeats.

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "http/idempotency.hpp"

namespace usertasks::http {
namespace {

Request with_keys(std::initializer_list<std::string> fields) {
  Request req;
  for (const std::string& f : fields) req.insert(idempotency_key_field, f);
  return req;
}

// The key read, or "400: <message>" for a refusal, or "none".
std::string read(std::initializer_list<std::string> fields) {
  auto key = read_idempotency_key(with_keys(fields));
  if (std::holds_alternative<NoIdempotencyKey>(key)) return "none";
  if (auto* k = std::get_if<std::string>(&key)) return *k;
  const Response& res = std::get<Response>(key);
  EXPECT_EQ(res.result(), Status::bad_request);
  EXPECT_NE(res.body().find("/problems/bad-header"), std::string::npos) << res.body();
  EXPECT_NE(res.body().find(R"("header":"Idempotency-Key")"), std::string::npos) << res.body();
  return "400";
}

TEST(IdempotencyKey, AbsentIsNoKey) {
  EXPECT_EQ(read({}), "none");
}

TEST(IdempotencyKey, BareKeysOfVisibleAscii) {
  EXPECT_EQ(read({"8e03978e-40d5-43e8-bc93-6894a57f9324"}), "8e03978e-40d5-43e8-bc93-6894a57f9324");
  EXPECT_EQ(read({"a"}), "a");
  EXPECT_EQ(read({"!~a\\b'c"}), "!~a\\b'c");
  EXPECT_EQ(read({std::string(255, 'k')}), std::string(255, 'k'));
  EXPECT_EQ(read({std::string(256, 'k')}), "400");
  EXPECT_EQ(read({""}), "400");
  EXPECT_EQ(read({"a b"}), "400");
  EXPECT_EQ(read({"a\tb"}), "400");
  EXPECT_EQ(read({"a\x7F"}), "400");
  EXPECT_EQ(read({"caf\xC3\xA9"}), "400");
}

TEST(IdempotencyKey, QuotedKeysAreUnquoted) {
  EXPECT_EQ(read({R"("abc")"}), "abc");
  EXPECT_EQ(read({R"("a\"b\\c")"}), R"(a"b\c)");
  EXPECT_EQ(read({"\"" + std::string(255, 'k') + "\""}), std::string(255, 'k'));
  EXPECT_EQ(read({"\"" + std::string(256, 'k') + "\""}), "400");
  EXPECT_EQ(read({R"("")"}), "400");         // empty
  EXPECT_EQ(read({R"("a b")"}), "400");      // a space is a string's character, not a key's
  EXPECT_EQ(read({R"("abc)"}), "400");       // no closing quote
  EXPECT_EQ(read({R"("a\b")"}), "400");      // only \" and \\ are escapes
  EXPECT_EQ(read({R"("abc";p=1)"}), "400");  // no parameters
  EXPECT_EQ(read({"\"caf\xC3\xA9\""}), "400");
}

TEST(IdempotencyKey, TwoFieldsAreRefused) {
  EXPECT_EQ(read({"a", "b"}), "400");
  EXPECT_EQ(read({"a", "a"}), "400");
}

TEST(IdempotencyKey, DigestsAreSha256OfTheirNulTerminatedParts) {
  EXPECT_EQ(hex(sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Parts do not run together: ("ab", "c") is not ("a", "bc").
  EXPECT_NE(sha256({"ab", "c"}), sha256({"a", "bc"}));
}

// The same request gives the same fingerprint on every instance and after restarts: a fixed
// digest of its method, target and body.
TEST(IdempotencyKey, FingerprintsAreStable) {
  Request req{Verb::post, "/tasks", 11};
  req.body() = R"({"content":"x","user_id":1})";
  EXPECT_EQ(request_fingerprint(req),
            "3c0627344ffa5ac8d4184cf7ef5623f381dbb57f03a21460a5c594bb6426692b");
  Request other_path = req;
  other_path.target("/users/1/tasks");
  EXPECT_NE(request_fingerprint(other_path), request_fingerprint(req));
  Request other_body = req;
  other_body.body() = R"({"content":"y","user_id":1})";
  EXPECT_NE(request_fingerprint(other_body), request_fingerprint(req));
  Request other_method = req;
  other_method.method(Verb::put);
  EXPECT_NE(request_fingerprint(other_method), request_fingerprint(req));
}

TEST(IdempotencyKey, ScopesAreDigestsOfTheBearerToken) {
  Request req;
  EXPECT_EQ(credential_scope(req), "");
  req.set(Field::authorization, "Bearer s3cret");
  EXPECT_EQ(credential_scope(req),
            "20256ce863894b1ea10b92823925662b4eaf92dc320cacc45c69e7d3e8b5282b");
  req.set(Field::authorization, "Bearer other");
  EXPECT_NE(credential_scope(req),
            "20256ce863894b1ea10b92823925662b4eaf92dc320cacc45c69e7d3e8b5282b");
}

}  // namespace
}  // namespace usertasks::http
