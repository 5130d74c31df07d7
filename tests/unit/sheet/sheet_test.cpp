// Roster files in (CSV, .xlsx) and .xlsx out: what an importing user would notice.
#include "sheet/sheet.hpp"

#include <gtest/gtest.h>
#include <iconv.h>
#include <unistd.h>
#include <zlib.h>

#include <fstream>
#include <sstream>

#include "sheet/xlsx_writer.hpp"

using namespace mashang;
using sheet::Encoding;
using sheet::Format;
using sheet::Limits;
using sheet::Row;

namespace {

struct Read {
  Result<sheet::Info> info = make_error(Errc::internal, "not read");
  std::vector<Row> rows;
};

Read read(std::string_view bytes, const Limits& limits = {}) {
  Read r;
  r.info = sheet::read(bytes, limits, [&](Row&& row) {
    r.rows.push_back(std::move(row));
    return ok_status();
  });
  return r;
}

std::vector<std::string> texts(const Row& row) {
  std::vector<std::string> out;
  for (const auto& c : row.cells) out.push_back(c.text);
  return out;
}

std::vector<int64_t> numbers(const Read& r) {
  std::vector<int64_t> out;
  for (const auto& row : r.rows) out.push_back(row.number);
  return out;
}

//! The read fails with `code` and a message containing every piece of `says`.
void expect_error(const Read& r, Errc code, std::initializer_list<std::string_view> says) {
  ASSERT_FALSE(r.info.ok());
  EXPECT_EQ(r.info.error().code, code) << r.info.error().message;
  for (auto s : says) EXPECT_NE(r.info.error().message.find(s), std::string::npos) << r.info.error().message;
}

std::string to_gbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GBK", "UTF-8");
  std::string out(utf8.size() * 2 + 4, '\0');
  char* ip = const_cast<char*>(utf8.data());
  char* op = out.data();
  size_t il = utf8.size(), ol = out.size();
  EXPECT_NE(iconv(cd, &ip, &il, &op, &ol), size_t(-1));
  iconv_close(cd);
  out.resize(size_t(op - out.data()));
  return out;
}

std::string file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kRoster = "姓名,身份证号\n刘桂兰,152701195203150028\n";

// --- CSV ---------------------------------------------------------------------------------------

TEST(SheetCsv, ReadsUtf8) {
  auto r = read(kRoster);
  ASSERT_TRUE(r.info.ok()) << r.info.error().message;
  EXPECT_EQ(r.info->format, Format::csv);
  EXPECT_EQ(r.info->encoding, Encoding::utf8);
  EXPECT_EQ(r.info->rows, 2);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(texts(r.rows[0]), (std::vector<std::string>{"姓名", "身份证号"}));
  EXPECT_EQ(texts(r.rows[1]), (std::vector<std::string>{"刘桂兰", "152701195203150028"}));
  EXPECT_EQ(numbers(r), (std::vector<int64_t>{1, 2}));
  EXPECT_FALSE(r.rows[1].cells[0].formula);
}

TEST(SheetCsv, StripsTheUtf8Bom) {
  auto r = read("\xEF\xBB\xBF" + kRoster);
  ASSERT_TRUE(r.info.ok()) << r.info.error().message;
  EXPECT_EQ(r.info->encoding, Encoding::utf8_bom);
  EXPECT_EQ(r.rows.at(0).cells.at(0).text, "姓名");
}

TEST(SheetCsv, DecodesGbk) {
  const std::string gbk = to_gbk(kRoster);
  ASSERT_NE(gbk, kRoster);
  auto r = read(gbk);
  ASSERT_TRUE(r.info.ok()) << r.info.error().message;
  EXPECT_EQ(r.info->encoding, Encoding::gbk);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(texts(r.rows[1]), (std::vector<std::string>{"刘桂兰", "152701195203150028"}));
}

TEST(SheetCsv, QuotedFieldsKeepCommasQuotesAndNewlines) {
  auto r = read("a,\"b,c\",\"say \"\"hi\"\"\",\"line 1\nline 2\r\nline 3\"\nnext,row\n\"\",x\n");
  ASSERT_TRUE(r.info.ok()) << r.info.error().message;
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(texts(r.rows[0]), (std::vector<std::string>{"a", "b,c", "say \"hi\"", "line 1\nline 2\r\nline 3"}));
  EXPECT_EQ(texts(r.rows[1]), (std::vector<std::string>{"next", "row"}));
  EXPECT_EQ(texts(r.rows[2]), (std::vector<std::string>{"", "x"}));
  EXPECT_EQ(numbers(r), (std::vector<int64_t>{1, 4, 5}));  // the record after the 3-line field starts on line 4
}

TEST(SheetCsv, LineEndsCrlfLfAndCr) {
  for (std::string text : {"a,b\r\nc,d\r\n", "a,b\nc,d", "a,b\rc,d\r"}) {
    auto r = read(text);
    ASSERT_TRUE(r.info.ok()) << r.info.error().message;
    ASSERT_EQ(r.rows.size(), 2u) << text;
    EXPECT_EQ(texts(r.rows[0]), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(texts(r.rows[1]), (std::vector<std::string>{"c", "d"}));
    EXPECT_EQ(numbers(r), (std::vector<int64_t>{1, 2}));
  }
}

TEST(SheetCsv, EmptyLinesAndTrailingEmptyFieldsAreSkippedButRowsKeepTheirNumbers) {
  auto r = read("a,,c,,\n\n,,\nb\n\n\r\n");
  ASSERT_TRUE(r.info.ok()) << r.info.error().message;
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(texts(r.rows[0]), (std::vector<std::string>{"a", "", "c"}));
  EXPECT_EQ(r.rows[1].number, 4);
  EXPECT_EQ(r.info->rows, 2);
}

TEST(SheetCsv, CellsAreNotTrimmed) {
  auto r = read(" a , b\t\n");
  ASSERT_TRUE(r.info.ok());
  EXPECT_EQ(texts(r.rows.at(0)), (std::vector<std::string>{" a ", " b\t"}));
}

TEST(SheetCsv, UnterminatedQuoteNamesTheRowWhereTheRecordStarts) {
  expect_error(read("a,b\nc,d\ne,\"open\nf,g\nh\n"), Errc::invalid_input, {"row 3:", "never closed"});
}

TEST(SheetCsv, TextAfterAClosingQuoteIsAnError) {
  expect_error(read("a\n\"b\"c,d\n"), Errc::invalid_input, {"row 2, column A", "closing quote"});
}

TEST(SheetCsv, NulByteIsRefused) {
  expect_error(read(std::string("a,b\nc,d\ne\0f\n", 12)), Errc::invalid_input, {"row 3", "NUL"});
  expect_error(read(std::string("\"x\0\"\n", 5)), Errc::invalid_input, {"row 1", "NUL"});
}

TEST(SheetCsv, BytesInNeitherEncodingNameTheRow) {
  expect_error(read("name\nok\nab\xFF\xFF\n"), Errc::invalid_input, {"row 3", "neither UTF-8 nor GBK"});
}

TEST(SheetCsv, DamagedUtf8IsNotReadAsGbk) {
  // A UTF-8 file cut off inside a character: decoding it as GBK would import mojibake.
  expect_error(read(kRoster + "王建国,15270119800101001X\n乌兰\xE5\xBA"), Errc::invalid_input, {"row 4", "UTF-8"});
  expect_error(read("\xEF\xBB\xBF"
                    "a\n\xC3\n"),
               Errc::invalid_input, {"row 2", "UTF-8"});
}

TEST(SheetCsv, Utf16IsRefusedWithAHint) {
  expect_error(read(std::string("\xFF\xFE"
                                "a\0,\0b\0",
                                8)),
               Errc::invalid_input, {"UTF-16", "CSV UTF-8"});
}

TEST(SheetCsv, EachLimitNamesItselfAndTheRow) {
  Limits l;
  l.bytes_max = 10;
  expect_error(read(kRoster, l), Errc::too_large, {"bytes_max"});
  l = {};
  l.rows_max = 2;
  expect_error(read("a\nb\n\nc\n", l), Errc::too_large, {"row 4", "rows_max"});
  EXPECT_TRUE(read("a\nb\n\n", l).info.ok());
  l = {};
  l.columns_max = 3;
  expect_error(read("a,b,c\na,b,c,d\n", l), Errc::too_large, {"row 2, column D", "columns_max"});
  EXPECT_TRUE(read("a,b,c,,,,,,,,\n", l).info.ok());  // empty trailing fields do not count
  l = {};
  l.cell_bytes_max = 6;  // two Chinese characters
  EXPECT_TRUE(read("刘桂\n", l).info.ok());
  expect_error(read("刘桂\nx,\"刘桂兰\"\n", l), Errc::too_large, {"row 2, column B", "cell_bytes_max"});
}

TEST(SheetCsv, ACallbackErrorStopsTheRead) {
  int calls = 0;
  auto r = sheet::read("a\nb\nc\n", {}, [&](Row&& row) -> Status {
    ++calls;
    if (row.number == 2) return make_error(Errc::invalid_input, "row 2: no such grid");
    return ok_status();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "row 2: no such grid");
  EXPECT_EQ(calls, 2);
}

TEST(SheetFormat, OldXlsIsRefusedWithAHint) {
  expect_error(read(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + "rest"), Errc::invalid_input, {".xls"});
}

// --- .xlsx: a small zip builder for hand-made packages ---------------------------------------

struct Part {
  std::string name, data;
  bool deflate = true;
  long declared_size = -1;  // a lie about the uncompressed size when >= 0
  std::string raw;          // compressed bytes to store instead of deflating data
};

std::string le(uint32_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s += char(v >> (8 * i) & 0xFF);
  return s;
}

std::string raw_deflate(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, uLong(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = uInt(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = uInt(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string zip(const std::vector<Part>& parts) {
  std::string out, directory;
  for (const auto& p : parts) {
    const std::string body = !p.raw.empty() ? p.raw : p.deflate ? raw_deflate(p.data) : p.data;
    const uint32_t crc = uint32_t(crc32(0, reinterpret_cast<const Bytef*>(p.data.data()), uInt(p.data.size())));
    const uint32_t size = p.declared_size >= 0 ? uint32_t(p.declared_size) : uint32_t(p.data.size());
    const uint16_t method = p.deflate || !p.raw.empty() ? 8 : 0;
    const std::string common = le(20, 2) + le(0, 2) + le(method, 2) + le(0, 4) + le(crc, 4) +
                               le(uint32_t(body.size()), 4) + le(size, 4) + le(uint32_t(p.name.size()), 2) + le(0, 2);
    directory += le(0x02014b50, 4) + le(20, 2) + common + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) +
                 le(uint32_t(out.size()), 4) + p.name;
    out += le(0x04034b50, 4) + common + p.name + body;
  }
  const uint32_t at = uint32_t(out.size());
  out += directory + le(0x06054b50, 4) + le(0, 4) + le(uint32_t(parts.size()), 2) + le(uint32_t(parts.size()), 2) +
         le(uint32_t(directory.size()), 4) + le(at, 4) + le(0, 2);
  return out;
}

const std::string kMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const std::string kRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

std::string workbook_xml(bool date1904 = false) {
  return "<?xml version=\"1.0\"?><workbook xmlns=\"" + kMain + "\" xmlns:r=\"" + kRel + "\">" +
         (date1904 ? "<workbookPr date1904=\"1\"/>" : "") +
         "<sheets><sheet name=\"花名册\" sheetId=\"1\" r:id=\"rId7\"/><sheet name=\"b\" sheetId=\"2\" r:id=\"rId8\"/>"
         "</sheets></workbook>";
}
std::string rels_xml() {
  return "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
         "<Relationship Id=\"rId8\" Type=\"" +
         kRel +
         "/worksheet\" Target=\"worksheets/sheet2.xml\"/>"
         "<Relationship Id=\"rId7\" Type=\"" +
         kRel +
         "/worksheet\" Target=\"/xl/worksheets/sheet1.xml\"/>"
         "<Relationship Id=\"rId3\" Type=\"" +
         kRel +
         "/sharedStrings\" Target=\"sharedStrings.xml\"/>"
         "<Relationship Id=\"rId4\" Type=\"" +
         kRel + "/styles\" Target=\"./styles.xml\"/></Relationships>";
}
std::string styles_xml() {  // xf 1: built-in date 14; xf 2: custom date; xf 3: custom time; xf 4: quoted "d"
  return "<styleSheet xmlns=\"" + kMain +
         "\"><numFmts count=\"3\">"
         "<numFmt numFmtId=\"164\" formatCode=\"[$-804]yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"
         "<numFmt numFmtId=\"165\" formatCode=\"[h]:mm:ss\"/><numFmt numFmtId=\"166\" formatCode=\"0&quot; "
         "days&quot;\"/>"
         "</numFmts><cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs><cellXfs count=\"5\"><xf "
         "numFmtId=\"0\"/>"
         "<xf numFmtId=\"14\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/><xf "
         "numFmtId=\"166\"/></cellXfs></styleSheet>";
}
std::string sheet_xml(const std::string& data) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"" + kMain + "\"><sheetData>" + data +
         "</sheetData></worksheet>";
}
std::string strings_xml(const std::string& items) { return "<sst xmlns=\"" + kMain + "\">" + items + "</sst>"; }

//! A workbook whose first sheet holds `data` (the <sheetData> children).
std::string xlsx(const std::string& data, const std::string& strings = "<si><t>姓名</t></si>", bool date1904 = false) {
  return zip({{"[Content_Types].xml", "<Types/>"},
              {"xl/workbook.xml", workbook_xml(date1904)},
              {"xl/_rels/workbook.xml.rels", rels_xml(), false},
              {"xl/styles.xml", styles_xml()},
              {"xl/sharedStrings.xml", strings_xml(strings)},
              {"xl/worksheets/sheet1.xml", sheet_xml(data)},
              {"xl/worksheets/sheet2.xml",
               sheet_xml("<row r=\"1\"><c t=\"inlineStr\"><is><t>second sheet</t></is></c></row>")}});
}

// --- .xlsx -------------------------------------------------------------------------------------

TEST(SheetXlsx, WriterRoundTripKeepsTextAsText) {
  const std::string path = testing::TempDir() + "sheet_round_trip.xlsx";
  const std::vector<std::string> header = {"姓名", "身份证号", "备注", "编号"};
  const std::vector<std::string> person = {"刘桂兰", "152701195203150028", "=cmd|' /C calc'!A0", "0012"};
  {
    auto w = sheet::XlsxWriter::open(path, "花名册");
    ASSERT_TRUE(w.ok()) << w.error().message;
    ASSERT_TRUE(w->header(header).ok());
    ASSERT_TRUE(w->row(person).ok());
    ASSERT_TRUE(w->row(std::vector<std::string>{"", "", "", "tab\tand\nnewline"}).ok());
    ASSERT_TRUE(w->close().ok());
  }
  auto r = read(file(path));
  ASSERT_TRUE(r.info.ok()) << r.info.error().message;
  EXPECT_EQ(r.info->format, Format::xlsx);
  EXPECT_EQ(r.info->encoding, Encoding::none);
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(texts(r.rows[0]), header);
  EXPECT_EQ(texts(r.rows[1]), person);
  for (const auto& c : r.rows[1].cells) EXPECT_FALSE(c.formula) << c.text;
  EXPECT_EQ(texts(r.rows[2]), (std::vector<std::string>{"", "", "", "tab\tand\nnewline"}));
  EXPECT_EQ(numbers(r), (std::vector<int64_t>{1, 2, 3}));
  std::remove(path.c_str());
}

TEST(SheetXlsx, WriterStreamsManyRows) {
  const std::string path = testing::TempDir() + "sheet_many.xlsx";
  auto w = sheet::XlsxWriter::open(path, "Sheet1");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w->header(std::vector<std::string>{"n", "身份证号"}, std::vector<double>{6, 22}).ok());
  for (int i = 0; i < 20000; ++i)
    ASSERT_TRUE(w->row(std::vector<std::string>{std::to_string(i), "15270119520315002" + std::to_string(i % 10)}).ok());
  ASSERT_TRUE(w->close().ok());
  auto r = read(file(path));
  ASSERT_TRUE(r.info.ok()) << r.info.error().message;
  EXPECT_EQ(r.info->rows, 20001);
  EXPECT_EQ(texts(r.rows.back()), (std::vector<std::string>{"19999", "152701195203150029"}));
  std::remove(path.c_str());
}

TEST(SheetXlsx, WriterErrorsAreResults) {
  EXPECT_EQ(sheet::XlsxWriter::open(testing::TempDir() + "x.xlsx", "a[b").error().code, Errc::invalid_input);
  {
    auto w = sheet::XlsxWriter::open(testing::TempDir() + "bad_utf8.xlsx", "s");
    ASSERT_TRUE(w.ok());
    auto st = w->row(std::vector<std::string>{"ok", "\xC3"});
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("row 1, column B"), std::string::npos) << st.error().message;
  }  // abandoned: no file is left
  EXPECT_NE(access((testing::TempDir() + "bad_utf8.xlsx").c_str(), F_OK), 0);
  auto w = sheet::XlsxWriter::open("/nonexistent-dir/x.xlsx", "s");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w->row(std::vector<std::string>{"a"}).ok());
  auto st = w->close();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("/nonexistent-dir/x.xlsx"), std::string::npos) << st.error().message;
  EXPECT_FALSE(w->row(std::vector<std::string>{"a"}).ok());
}

TEST(SheetXlsx, ReadsAnExceljsRoster) {
  auto r = read(file(MASHANG_FIXTURES "/sheet/roster.xlsx"));
  ASSERT_TRUE(r.info.ok()) << r.info.error().message;
  EXPECT_EQ(numbers(r), (std::vector<int64_t>{1, 2, 3, 4, 6}));  // row 5 is missing in the file
  ASSERT_EQ(r.rows.size(), 5u);
  EXPECT_EQ(texts(r.rows[0]), (std::vector<std::string>{"姓名", "身份证号", "出生日期", "手机号", "字数", "户主"}));
  EXPECT_EQ(texts(r.rows[1]),
            (std::vector<std::string>{"刘桂兰", "152701195203150028", "1952-03-15", "13812345678", "3", "TRUE"}));
  EXPECT_TRUE(r.rows[1].cells[4].formula);
  EXPECT_FALSE(r.rows[1].cells[3].formula);
  // rich text joined; C3 missing; a leading space kept by xml:space="preserve"
  EXPECT_EQ(texts(r.rows[2]),
            (std::vector<std::string>{"王建国", "15270119800101001X", "", " 13900001111", "", "FALSE"}));
  EXPECT_EQ(texts(r.rows[3]), (std::vector<std::string>{"乌兰其其格", "", "2001-12-31"}));  // built-in format 14
  EXPECT_EQ(texts(r.rows[4]), (std::vector<std::string>{"", "only B6"}));
}

TEST(SheetXlsx, ReadsExceljsInlineStrings) {
  auto r = read(file(MASHANG_FIXTURES "/sheet/roster-inline.xlsx"));
  ASSERT_TRUE(r.info.ok()) << r.info.error().message;
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(texts(r.rows[0]), (std::vector<std::string>{"姓名", "出生日期"}));
  EXPECT_EQ(texts(r.rows[1]), (std::vector<std::string>{"巴特尔", "1960-07-01"}));
  EXPECT_EQ(texts(r.rows[2]), (std::vector<std::string>{"高淑珍", "42"}));
}

TEST(SheetXlsx, CellTypesAsExcelShowsThem) {
  auto r = read(xlsx(
      "<row><c><v>1.52701198001011E+17</v></c><c t=\"e\"><v>#N/A</v></c><c t=\"str\"><f>A1&amp;\"x\"</f><v>ax</v></c>"
      "<c t=\"s\"><v>0</v></c><c t=\"inlineStr\"><is><t>  trimmed  </t></is></c>"
      "<c t=\"inlineStr\"><is><r><t xml:space=\"preserve\"> kept </t></r><rPh><t>ふりがな</t></rPh></is></c></row>"
      "<row><c r=\"A2\" s=\"1\"><v>60</v></c><c s=\"1\"><v>59</v></c><c s=\"1\"><v>61.75</v></c><c "
      "s=\"2\"><v>19068</v></c>"
      "<c s=\"3\"><v>1.5</v></c><c s=\"4\"><v>3</v></c><c s=\"1\"><v>0</v></c><c s=\"1\"><v>-5</v></c><c "
      "s=\"99\"><v>7</v></c></row>"));
  ASSERT_TRUE(r.info.ok()) << r.info.error().message;
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(texts(r.rows[0]),
            (std::vector<std::string>{"1.52701198001011E+17", "#N/A", "ax", "姓名", "trimmed", " kept "}));
  EXPECT_TRUE(r.rows[0].cells[2].formula);
  EXPECT_EQ(texts(r.rows[1]), (std::vector<std::string>{"1900-02-29", "1900-02-28", "1900-03-01", "1952-03-15", "1.5",
                                                        "3", "0", "-5", "7"}));
  EXPECT_EQ(numbers(r), (std::vector<int64_t>{1, 2}));
}

TEST(SheetXlsx, Date1904) {
  auto r = read(xlsx("<row><c s=\"1\"><v>0</v></c><c s=\"2\"><v>17606</v></c></row>", "", true));
  ASSERT_TRUE(r.info.ok()) << r.info.error().message;
  EXPECT_EQ(texts(r.rows.at(0)), (std::vector<std::string>{"1904-01-01", "1952-03-15"}));
}

TEST(SheetXlsx, LimitsApply) {
  Limits l;
  l.columns_max = 2;
  expect_error(read(xlsx("<row r=\"3\"><c r=\"A3\"><v>1</v></c><c r=\"C3\"><v>2</v></c></row>"), l), Errc::too_large,
               {"row 3, column C", "columns_max"});
  EXPECT_TRUE(read(xlsx("<row r=\"3\"><c r=\"A3\"><v>1</v></c><c r=\"Z3\" s=\"1\"/></row>"), l).info.ok());
  l = {};
  l.rows_max = 1;
  expect_error(read(xlsx("<row r=\"1\"><c><v>1</v></c></row><row r=\"9\"><c><v>1</v></c></row>"), l), Errc::too_large,
               {"row 9", "rows_max"});
  l = {};
  l.cell_bytes_max = 3;
  expect_error(read(xlsx("<row r=\"2\"><c t=\"s\"><v>0</v></c></row>", "<si><t>刘桂兰</t></si>"), l), Errc::too_large,
               {"row 2, column A", "cell_bytes_max"});
  expect_error(read(xlsx("<row r=\"2\"><c r=\"B2\"><v>1234</v></c></row>"), l), Errc::too_large,
               {"row 2, column B", "cell_bytes_max"});
  l = {};
  l.bytes_max = 100;
  expect_error(read(xlsx("<row><c><v>1</v></c></row>"), l), Errc::too_large, {"bytes_max"});
}

// --- hostile .xlsx ----------------------------------------------------------------------------

TEST(SheetHostile, TruncatedFile) {
  const std::string bytes = file(MASHANG_FIXTURES "/sheet/roster.xlsx");
  expect_error(read(bytes.substr(0, bytes.size() / 2)), Errc::invalid_input, {"damaged"});
  expect_error(read(bytes.substr(0, 4)), Errc::invalid_input, {"damaged"});
}

TEST(SheetHostile, CorruptDeflateStream) {
  expect_error(read(zip({{"xl/workbook.xml", workbook_xml(), true, -1, "\xFF\xFF\xFF\xFF"}})), Errc::invalid_input,
               {"xl/workbook.xml", "corrupt"});
  std::string cut = raw_deflate(workbook_xml());
  cut.resize(cut.size() / 2);
  expect_error(read(zip({{"xl/workbook.xml", workbook_xml(), true, -1, cut}})), Errc::invalid_input,
               {"xl/workbook.xml", "ends early"});
}

TEST(SheetHostile, ZipBombStopsAtTheLimitWhateverTheDirectorySays) {
  Limits l;
  l.xlsx_uncompressed_max = 1u << 20;
  const std::string blanks = "<workbook>" + std::string(16u << 20, ' ');  // 16 MiB inflated from about 16 KiB
  for (long declared : {100L, long(blanks.size())}) {
    auto r = read(zip({{"xl/workbook.xml", blanks, true, declared}}), l);
    expect_error(r, Errc::too_large, {"xlsx_uncompressed_max"});
  }
  // the budget counts all parts together
  l.xlsx_uncompressed_max = 1000;
  expect_error(read(xlsx("<row><c><v>1</v></c></row>"), l), Errc::too_large, {"xlsx_uncompressed_max"});
}

TEST(SheetHostile, DoctypeAndEntitiesAreRefused) {
  const std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;\">]>"
      "<worksheet xmlns=\"" +
      kMain + "\"><sheetData><row><c t=\"inlineStr\"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>";
  auto bytes = zip({{"xl/workbook.xml", workbook_xml()},
                    {"xl/_rels/workbook.xml.rels", rels_xml()},
                    {"xl/worksheets/sheet1.xml", laughs}});
  expect_error(read(bytes), Errc::invalid_input, {"xl/worksheets/sheet1.xml", "DOCTYPE"});
  // an undeclared entity is a plain XML error
  expect_error(read(xlsx("<row><c t=\"inlineStr\"><is><t>&lol;</t></is></c></row>")), Errc::invalid_input,
               {"damaged", "sheet1.xml"});
}

TEST(SheetHostile, SharedStringIndexOutOfRange) {
  expect_error(read(xlsx("<row r=\"4\"><c r=\"B4\" t=\"s\"><v>5</v></c></row>")), Errc::invalid_input,
               {"row 4, column B", "shared string 5"});
  expect_error(read(xlsx("<row r=\"4\"><c r=\"B4\" t=\"s\"><v>-1</v></c></row>")), Errc::invalid_input,
               {"row 4, column B"});
}

TEST(SheetHostile, MissingParts) {
  expect_error(read(zip({{"[Content_Types].xml", "<Types/>"}})), Errc::invalid_input, {"xl/workbook.xml"});
  expect_error(read(zip({{"xl/workbook.xml", workbook_xml()}})), Errc::invalid_input, {"workbook.xml.rels", "missing"});
  expect_error(read(zip({{"xl/workbook.xml", workbook_xml()}, {"xl/_rels/workbook.xml.rels", rels_xml()}})),
               Errc::invalid_input, {"/xl/worksheets/sheet1.xml", "missing"});
}

TEST(SheetHostile, BrokenSheetStructure) {
  expect_error(read(xlsx("<row r=\"3\"><c><v>1</v></c></row><row r=\"2\"><c><v>1</v></c></row>")), Errc::invalid_input,
               {"row 2 comes after row 3"});
  expect_error(read(xlsx("<row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"A1\"><v>1</v></c></row>")), Errc::invalid_input,
               {"out of order"});
  expect_error(read(xlsx("<row r=\"1\"><c r=\"1A\"><v>1</v></c></row>")), Errc::invalid_input, {"cell reference"});
  expect_error(read(xlsx("<row r=\"99999999999\"/>")), Errc::invalid_input, {"invalid number"});
  expect_error(read(xlsx("<row><c><v>1</v></c>")), Errc::invalid_input, {"damaged", "sheet1.xml"});
}

TEST(SheetHostile, ZipStructureLies) {
  std::string bytes = xlsx("<row><c><v>1</v></c></row>");
  ASSERT_TRUE(read(bytes).info.ok());
  const size_t eocd = bytes.size() - 22;
  std::string b = bytes;
  b[eocd + 16] = '\xFF';  // the directory offset points past the file
  b[eocd + 17] = '\xFF';
  expect_error(read(b), Errc::invalid_input, {"damaged"});
  b = bytes;
  b[eocd + 12] = '\xFF';  // directory size too large
  b[eocd + 13] = '\xFF';
  expect_error(read(b), Errc::invalid_input, {"damaged"});
  b = bytes;
  b[eocd + 10] = '\xFF';  // zip64 marker in the entry count
  b[eocd + 11] = '\xFF';
  expect_error(read(b), Errc::invalid_input, {"zip64"});
  // a method the reader does not know (12: bzip2), in the central directory
  b = zip({{"xl/workbook.xml", "x", false}});
  b.replace(30 + 15 + 1 + 10, 2, le(12, 2));
  expect_error(read(b), Errc::invalid_input, {"compression method 12"});
}

TEST(SheetHostile, EveryTruncationAndByteFlipIsAnErrorOrARead) {
  const std::string bytes = file(MASHANG_FIXTURES "/sheet/roster.xlsx");
  ASSERT_GT(bytes.size(), 1000u);
  size_t errors = 0;
  for (size_t n = 0; n < bytes.size(); n += 7) errors += !read(bytes.substr(0, n)).info.ok();
  for (size_t i = 0; i < bytes.size(); i += 3) {
    std::string b = bytes;
    b[i] = char(b[i] ^ 0x5A);
    errors += !read(b).info.ok();
  }
  EXPECT_GT(errors, 0u);
}

}  // namespace
