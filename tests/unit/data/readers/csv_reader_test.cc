#include "tandem/data/readers/csv_reader.h"

#include <gtest/gtest.h>

#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem::data {
namespace {

using tandem::testing::expect_error;
using tandem::testing::expect_values;
using tandem::testing::TempDir;
using tandem::testing::write_bytes;

TEST(CsvReader, InfersTypesAndReadsRows) {
  TempDir dir;
  write_bytes(dir.file("a.csv"), "id,price,name,big\n1,2.5,apple,5000000000\n2,3,\"b, c\",1\n");
  CsvReader reader(dir.file("a.csv"));
  EXPECT_EQ(reader.column_names(), (std::vector<std::string>{"id", "price", "name", "big"}));
  EXPECT_EQ(reader.column_types(),
            (std::vector<DType>{DType::kInt32, DType::kFloat32, DType::kString, DType::kInt64}));
  auto row = reader.next();
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ((*row)[0].shape(), Shape({}));
  expect_values((*row)[1], {2.5});
  EXPECT_EQ((*row)[3].item<int64_t>(), 5000000000LL);
  row = reader.next();
  EXPECT_EQ((*row)[2].to_vector<std::string>(), std::vector<std::string>{"b, c"});
  EXPECT_FALSE(reader.next().has_value());
}

TEST(CsvReader, BatchesSelectedColumnsWithDefaults) {
  TempDir dir;
  write_bytes(dir.file("b.csv"), "x,y,z\r\n1,,a\r\n2,5,b\r\n\r\n3,6,c\r\n");
  CsvReader reader(dir.file("b.csv"), {.column_defaults = {{.dtype = float64},
                                                           {.dtype = int64, .default_value = "-1"},
                                                           {.dtype = string}},
                                       .select_columns = {"y", "x"}});
  EXPECT_EQ(reader.column_names(), (std::vector<std::string>{"x", "y"}));  // file order
  auto batch = reader.next_batch(2);
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ((*batch)[0].dtype(), DType::kFloat64);
  expect_values((*batch)[0], {1, 2});
  expect_values((*batch)[1], {-1, 5});
  batch = reader.next_batch(2);
  expect_values((*batch)[1], {6});
  EXPECT_FALSE(reader.next_batch(2).has_value());
}

TEST(CsvReader, NoHeaderNeedsNames) {
  TempDir dir;
  write_bytes(dir.file("c.csv"), "1,2\n");
  expect_error<ValueError>([&] { CsvReader reader(dir.file("c.csv"), {.header = false}); },
                           "column_names are required");
  CsvReader reader(dir.file("c.csv"), {.header = false, .column_names = {"a", "b"}});
  expect_values(reader.next_batch(10)->at(1), {2});
}

// A directory is not a CSV file, with or without a header (without one it used to read as 0 rows).
TEST(CsvReader, DirectoryIsAnIOErrorSayingSo) {
  TempDir dir;
  std::string path = dir.path().string();
  expect_error<IOError>(
      [&] {
        CsvReader reader(path, {.header = false, .column_names = {"a", "b"}});
      },
      "CsvReader: '" + path + "' is a directory, not a CSV file");
  expect_error<IOError>([&] { CsvReader reader(path); },
                        "CsvReader: '" + path + "' is a directory, not a CSV file");
}

TEST(CsvReader, WrongFieldCountNamesFileAndLine) {
  TempDir dir;
  write_bytes(dir.file("d.csv"), "a,b\n1,2\n3\n4,5\n");
  CsvReader reader(dir.file("d.csv"));
  expect_error<ValueError>([&] { reader.next_batch(10); },
                           "d.csv':3: expected 2 fields, received 1");
  CsvReader skipping(dir.file("d.csv"), {.skip_bad_rows = true});
  auto batch = skipping.next_batch(10);
  expect_values(batch->at(0), {1, 4});
  EXPECT_EQ(skipping.num_skipped(), 1);
}

TEST(CsvReader, UnparsableNumberNamesColumn) {
  TempDir dir;
  write_bytes(dir.file("e.csv"), "a,price\n1,2\n2,abc\n");
  CsvReader reader(dir.file("e.csv"), {.column_defaults = {{.dtype = int32}, {.dtype = float32}}});
  EXPECT_TRUE(reader.next().has_value());
  expect_error<ValueError>([&] { reader.next(); },
                           "e.csv':3 column 'price' (index 1): cannot parse 'abc' as float32");
}

TEST(CsvReader, MissingRequiredField) {
  TempDir dir;
  write_bytes(dir.file("f.csv"), "a,b\n1,NA\n");
  CsvReader reader(dir.file("f.csv"),
                   {.na_value = "NA", .column_defaults = {{.dtype = int32}, {.dtype = int32}}});
  expect_error<ValueError>(
      [&] { reader.next(); },
      "f.csv':2 column 'b' (index 1): field is empty and the column has no default");
}

TEST(CsvReader, QuotedFieldsAcrossLines) {
  TempDir dir;
  write_bytes(dir.file("g.csv"), "t,n\n\"say \"\"hi\"\"\nthere\",1\n\"x\",2\n");
  CsvReader reader(dir.file("g.csv"));
  auto batch = reader.next_batch(10);
  EXPECT_EQ(batch->at(0).to_vector<std::string>(),
            (std::vector<std::string>{"say \"hi\"\nthere", "x"}));
  expect_values(batch->at(1), {1, 2});
}

TEST(CsvReader, OptionErrors) {
  TempDir dir;
  write_bytes(dir.file("h.csv"), "a,b\n1,2\n");
  expect_error<ValueError>([&] { CsvReader r(dir.file("h.csv"), {.select_columns = {"zz"}}); },
                           "select_columns names 'zz'");
  expect_error<ValueError>(
      [&] { CsvReader r(dir.file("h.csv"), {.column_defaults = {{.dtype = int32}}}); },
      "has 2 columns but 1 column_defaults");
  expect_error<TypeError>(
      [&] {
        CsvReader r(dir.file("h.csv"), {.column_defaults = {{.dtype = uint8}, {.dtype = int32}}});
      },
      "column 'a' has dtype uint8");
  expect_error<IOError>([] { CsvReader r("/no/such.csv"); }, "/no/such.csv");
}

TEST(CsvReader, SplitLine) {
  EXPECT_EQ(split_csv_line("a;\"b;c\";", ';', true), (std::vector<std::string>{"a", "b;c", ""}));
  EXPECT_EQ(split_csv_line("\"a\",b", ',', false), (std::vector<std::string>{"\"a\"", "b"}));
}

}  // namespace
}  // namespace tandem::data
