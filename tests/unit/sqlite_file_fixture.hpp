#pragma once
// A test fixture owning a new SQLite database file per test, removed (with its WAL) afterwards.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "store/database.hpp"

namespace usertasks::testing {

class SqliteFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("usertasks_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
             std::to_string(std::random_device{}()) + ".db");
    db_ = store::open_database("sqlite:" + path_.string(), 2);
  }

  void TearDown() override {
    db_->close();
    db_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }

  std::filesystem::path path_;
  std::unique_ptr<store::Database> db_;
};

}  // namespace usertasks::testing
