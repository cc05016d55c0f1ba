// The PostgreSQL driver's pure parts: the SQLSTATE classifier, value decoding (timestamps to
// RFC 3339), text parameters, and the session options built from a connection string. No server.

#include <gtest/gtest.h>

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_errors.hpp"
#include "store/postgres/pg_values.hpp"

namespace usertasks::store::postgres {
namespace {

TEST(PostgresErrors, ClassifiesConstraintViolations) {
  EXPECT_EQ(classify_sqlstate("23505"), ErrorClass::unique);
  EXPECT_EQ(classify_sqlstate("23503"), ErrorClass::foreign_key);
  EXPECT_EQ(classify_sqlstate("23502"), ErrorClass::constraint);  // not_null_violation
  EXPECT_EQ(classify_sqlstate("23514"), ErrorClass::constraint);  // check_violation
}

TEST(PostgresErrors, ClassifiesOutagesAsUnavailable) {
  for (const char* code : {"08000", "08006", "08001", "57P01", "57P02", "57P03", "53300", "53100",
                           "25006", "40001", "40P01"}) {
    EXPECT_EQ(classify_sqlstate(code), ErrorClass::unavailable) << code;
  }
}

TEST(PostgresErrors, ClassifiesBugsAsOther) {
  for (const char* code : {"42601", "42P01", "22P02", "57014", "", "XX000"}) {
    EXPECT_EQ(classify_sqlstate(code), ErrorClass::other) << code;
  }
}

TEST(PostgresErrors, ThrowsTheMatchingException) {
  try {
    throw_for_sqlstate("23505", "duplicate");
    FAIL();
  } catch (const ConstraintViolation& e) {
    EXPECT_EQ(e.kind(), ConstraintViolation::Kind::unique);
    EXPECT_STREQ(e.what(), "duplicate");
  }
  try {
    throw_for_sqlstate("23503", "no parent");
    FAIL();
  } catch (const ConstraintViolation& e) {
    EXPECT_EQ(e.kind(), ConstraintViolation::Kind::foreign_key);
  }
  try {
    throw_for_sqlstate("23502", "null");
    FAIL();
  } catch (const ConstraintViolation& e) {
    EXPECT_EQ(e.kind(), ConstraintViolation::Kind::other);
  }
  EXPECT_THROW(throw_for_sqlstate("57P01", "shutdown"), Unavailable);
  try {
    throw_for_sqlstate("42601", "syntax");
    FAIL();
  } catch (const PgError& e) {
    EXPECT_EQ(e.sqlstate(), "42601");
  }
}

TEST(PostgresValues, TimestampsBecomeRfc3339WithMicroseconds) {
  EXPECT_EQ(timestamp_to_rfc3339("2026-11-24 03:57:28.634676+00"), "2026-11-24T03:57:28.634676Z");
  EXPECT_EQ(timestamp_to_rfc3339("2026-11-24 03:57:28+00"), "2026-11-24T03:57:28.000000Z");
  EXPECT_EQ(timestamp_to_rfc3339("2026-11-24 03:57:28.5+00"), "2026-11-24T03:57:28.500000Z");
  EXPECT_EQ(timestamp_to_rfc3339("2026-11-24 03:57:28.63+00:00"), "2026-11-24T03:57:28.630000Z");
  EXPECT_EQ(timestamp_to_rfc3339("2026-11-24 03:57:28.000001"), "2026-11-24T03:57:28.000001Z");
}

TEST(PostgresValues, UnexpectedTimestampTextIsLeftAlone) {
  EXPECT_EQ(timestamp_to_rfc3339("infinity"), "infinity");
  EXPECT_EQ(timestamp_to_rfc3339("0044-03-15 12:00:00+00 BC"), "0044-03-15 12:00:00+00 BC");
  EXPECT_EQ(timestamp_to_rfc3339("2026-11-24 03:57:28+01"), "2026-11-24 03:57:28+01");
  EXPECT_EQ(timestamp_to_rfc3339("2026-11-24"), "2026-11-24");
}

TEST(PostgresValues, DecodesByColumnType) {
  EXPECT_EQ(decode_value(oid::int8, "-9223372036854775808"), Value(INT64_MIN));
  EXPECT_EQ(decode_value(oid::int4, "42"), Value(std::int64_t{42}));
  EXPECT_EQ(decode_value(oid::int2, "7"), Value(std::int64_t{7}));
  EXPECT_EQ(decode_value(oid::boolean, "t"), Value(true));
  EXPECT_EQ(decode_value(oid::boolean, "f"), Value(false));
  EXPECT_EQ(decode_value(oid::timestamptz, "2026-11-24 03:57:28+00"),
            Value(std::string("2026-11-24T03:57:28.000000Z")));
  EXPECT_EQ(decode_value(25 /* text */, "hello"), Value(std::string("hello")));
  EXPECT_EQ(decode_value(1700 /* numeric */, "1.50"), Value(std::string("1.50")));
  EXPECT_THROW((void)decode_value(oid::int8, "12x"), std::runtime_error);
}

TEST(PostgresValues, ParametersAreText) {
  const std::vector<Value> params = {std::int64_t{-12}, true, false, std::string("héllo"),
                                     std::monostate{}};
  const TextParams text(params);
  ASSERT_EQ(text.size(), 5);
  EXPECT_STREQ(text.values()[0], "-12");
  EXPECT_STREQ(text.values()[1], "true");
  EXPECT_STREQ(text.values()[2], "false");
  EXPECT_STREQ(text.values()[3], "héllo");
  EXPECT_EQ(text.values()[4], nullptr);
}

TEST(PostgresValues, ManyIntegerParametersKeepTheirStorage) {
  std::vector<Value> params;
  for (std::int64_t i = 0; i < 100; ++i) params.emplace_back(i * 1000003);
  const TextParams text(params);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(text.values()[i], std::to_string(i * 1000003LL));
}

TEST(PostgresOptions, SessionIsUtcWithIsoDates) {
  EXPECT_EQ(session_options("host=/tmp dbname=x"), "-c TimeZone=UTC -c DateStyle=ISO");
  EXPECT_EQ(session_options("postgresql://u@h/db?options=-c%20work_mem%3D8MB"),
            "-c work_mem=8MB -c TimeZone=UTC -c DateStyle=ISO");
  EXPECT_THROW((void)session_options("host=/tmp nonsense_keyword=1"), std::invalid_argument);
  EXPECT_THROW((void)session_options("postgresql://h/db?bogus=1"), std::invalid_argument);
}

}  // namespace
}  // namespace usertasks::store::postgres
