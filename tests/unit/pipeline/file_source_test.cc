#include <gtest/gtest.h>

#include <fstream>

#include "connectors/file/file_source.h"
#include "tests/testing/testing.h"

namespace kizashi::connectors {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> Drain(FileSource& src, size_t batch_size, std::string* resume = nullptr,
                               size_t max_batches = 1000) {
  std::vector<std::string> out;
  Batch b;
  for (size_t n = 0; n < max_batches && !src.exhausted(); ++n) {
    EXPECT_TRUE(src.Poll(&b, batch_size).ok());
    for (const auto& r : b.records) {
      out.push_back(std::to_string(r.input) + ":" + std::to_string(r.pos.offset) + ":" +
                    std::string(r.value));
    }
    if (resume) *resume = b.resume;
  }
  return out;
}

TEST(FileSource, MergesByRelativePositionIndependentOfBatchSize) {
  std::string dir = testing::MakeTempDir("fsrc");
  // a: 4 lines of 2 bytes each ("a1\n" = 3 bytes), b: 2 lines ("b1\n"). Relative positions:
  // a advances 1/4 per line, b 1/2: order a1 b1 a2 a3 b2 a4 (ties -> lower input first).
  Write(dir + "/a", "a1\na2\na3\na4\n");
  Write(dir + "/b", "b1\nb2\n");
  std::vector<std::vector<std::string>> runs;
  for (size_t bs : {1u, 2u, 100u}) {
    auto src = FileSource::Open({{dir + "/a", "a", 0}, {dir + "/b", "b", 1}}, 0, 1024, nullptr);
    ASSERT_TRUE(src.ok());
    runs.push_back(Drain(**src, bs));
  }
  std::vector<std::string> expected = {"0:1:a1", "1:1:b1", "0:2:a2", "0:3:a3", "1:2:b2", "0:4:a4"};
  for (const auto& r : runs) EXPECT_EQ(r, expected);
  testing::RemoveTree(dir);
}

TEST(FileSource, ResumesFromStoredPositionAndBoundsLongLines) {
  std::string dir = testing::MakeTempDir("fsrc");
  Write(dir + "/a", "one\n\n" + std::string(5000, 'x') + "\nfour\r\nfive");
  auto src = FileSource::Open({{dir + "/a", "a", 0}}, 0, 16, nullptr);
  ASSERT_TRUE(src.ok());
  Batch b;
  ASSERT_TRUE((*src)->Poll(&b, 2).ok());
  ASSERT_EQ(b.records.size(), 2u);
  EXPECT_EQ(b.records[0].value, "one");
  EXPECT_EQ(b.records[1].pos.offset, 3);          // the blank line 2 is skipped, still counted
  EXPECT_EQ(b.records[1].value.size(), 17u);      // cut to max + 1: the decoder says too_large
  std::string resume = b.resume;
  auto again = FileSource::Open({{dir + "/a", "a", 0}}, 0, 16, nullptr);
  ASSERT_TRUE((*again)->Seek(0, resume).ok());
  auto rest = Drain(**again, 10);
  EXPECT_EQ(rest, (std::vector<std::string>{"0:4:four", "0:5:five"}));
  EXPECT_FALSE((*again)->Seek(0, "garbage").ok());
  testing::RemoveTree(dir);
}

}  // namespace
}  // namespace kizashi::connectors
