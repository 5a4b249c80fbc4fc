// ListObjectsV2 URLs, the XML reader, response parsing and S3 error bodies.
#include "engine/http/s3_list.h"

#include "engine/http/xml_reader.h"
#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine::http {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;

ResolvedRoot Root(std::string url) {
  StorageOptions o;
  o.endpoint_url = "http://127.0.0.1:9000";
  return *ResolveRoot(url, o, Environment::Fake({}));
}

TEST(S3List, Url) {
  ResolvedRoot root = Root("s3://bucket/data/a.zarr");
  EXPECT_EQ(ListObjectsUrl(root, "", "/", ""),
            "http://127.0.0.1:9000/bucket/?delimiter=%2F&list-type=2&prefix=data%2Fa.zarr%2F");
  EXPECT_EQ(ListObjectsUrl(root, "c/0 1/", "", "tok/+=", 100),
            "http://127.0.0.1:9000/bucket/?continuation-token=tok%2F%2B%3D&list-type=2&"
            "max-keys=100&prefix=data%2Fa.zarr%2Fc%2F0%201%2F");
  EXPECT_EQ(ListObjectsUrl(Root("s3://bucket"), "", "", ""),
            "http://127.0.0.1:9000/bucket/?list-type=2");
}

TEST(S3List, KeyRelativeToRoot) {
  ResolvedRoot root = Root("s3://bucket/data/a.zarr");
  EXPECT_EQ(KeyRelativeToRoot(root, "data/a.zarr/c/0"), "c/0");
  EXPECT_EQ(KeyRelativeToRoot(root, "data/a.zarr"), "");
  EXPECT_EQ(KeyRelativeToRoot(root, "data/a.zarrx/c"), "");
  EXPECT_EQ(KeyRelativeToRoot(Root("s3://bucket"), "x/y"), "x/y");
}

constexpr char kPage[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>data/</Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys>
  <Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>
  <!-- a comment -->
  <Contents>
    <Key>data/zarr.json</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>
    <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>1234</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <Contents><Key>data/a&amp;b &lt;c&gt; &#233;&#x4E2D;&apos;</Key><Size>0</Size></Contents>
  <CommonPrefixes><Prefix>data/c/</Prefix></CommonPrefixes>
  <CommonPrefixes><Prefix><![CDATA[data/<raw>/]]></Prefix></CommonPrefixes>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>
)";

TEST(S3List, ParsesPage) {
  ASSERT_OK_AND_ASSIGN(ListPage page, ParseListObjectsV2(kPage));
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_EQ(page.objects[0].key, "data/zarr.json");
  EXPECT_EQ(page.objects[0].size_bytes, 1234u);
  EXPECT_EQ(page.objects[0].etag, "\"9b2cf535f27731c974343645a3985328\"");
  EXPECT_EQ(page.objects[1].key, "data/a&b <c> \xC3\xA9\xE4\xB8\xAD'");
  EXPECT_EQ(page.objects[1].size_bytes, 0u);
  EXPECT_EQ(page.objects[1].etag, "");
  EXPECT_THAT(page.common_prefixes, ElementsAre("data/c/", "data/<raw>/"));
  EXPECT_TRUE(page.is_truncated);
  EXPECT_EQ(page.next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  EXPECT_EQ(page.key_count, 3);
}

TEST(S3List, LastPageAndEmptyElements) {
  ASSERT_OK_AND_ASSIGN(
      ListPage page,
      ParseListObjectsV2("<ListBucketResult><Prefix/><IsTruncated>false</IsTruncated>"
                         "<Contents><Key>k</Key><Size> 18446744073709551615 </Size></Contents>"
                         "</ListBucketResult>"));
  EXPECT_FALSE(page.is_truncated);
  EXPECT_EQ(page.next_continuation_token, "");
  EXPECT_EQ(page.key_count, -1);
  ASSERT_EQ(page.objects.size(), 1u);
  EXPECT_EQ(page.objects[0].size_bytes, 18446744073709551615u);
}

TEST(S3List, RejectsBadListings) {
  const std::string url = "http://h/b/?list-type=2";
  auto parse = [&](std::string_view xml) { return ParseListObjectsV2(xml, url); };
  EXPECT_THAT(parse("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(url), HasSubstr("NextContinuationToken"))));
  EXPECT_THAT(parse("<ListBucketResult><Contents><Size>1</Size></Contents>"
                    "<IsTruncated>false</IsTruncated></ListBucketResult>"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has no <Key>")));
  EXPECT_THAT(parse("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents>"
                    "<IsTruncated>false</IsTruncated></ListBucketResult>"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("<Size> of key \"k\""), HasSubstr("-1"))));
  EXPECT_THAT(parse("<ListBucketResult><Contents><Key>k</Key></Contents>"
                    "<IsTruncated>false</IsTruncated></ListBucketResult>"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no <Size>")));
  EXPECT_THAT(parse("<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("maybe")));
  EXPECT_THAT(parse("<ListBucketResult></ListBucketResult>"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no <IsTruncated>")));
  EXPECT_THAT(parse("<ListAllMyBucketsResult/>"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected <ListBucketResult>, got <ListAllMyBucketsResult>")));
  EXPECT_THAT(parse("<html><body>proxy error</body></html>"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("<html>")));
}

TEST(S3List, ErrorBodyBecomesStatus) {
  constexpr char kDenied[] =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
      "<Message>The request signature we calculated does not match the signature you "
      "provided.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>";
  EXPECT_THAT(ParseListObjectsV2(kDenied, "http://h/b/?list-type=2"),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("http://h/b/?list-type=2"),
                             HasSubstr("SignatureDoesNotMatch: The request signature"))));
  EXPECT_THAT(S3ErrorStatus(kDenied, 403, "http://h/b/k"),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("http://h/b/k: HTTP 403 SignatureDoesNotMatch")));
  EXPECT_THAT(S3ErrorStatus("<Error><Code>NoSuchBucket</Code><Message>The specified bucket "
                            "does not exist</Message></Error>",
                            404, "u"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("NoSuchBucket")));
  EXPECT_THAT(S3ErrorStatus("<Error><Code>AuthorizationHeaderMalformed</Code><Message>the "
                            "region 'us-east-1' is wrong</Message><Region>eu-west-1</Region>"
                            "</Error>",
                            400, "u"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("bucket is in region eu-west-1")));
  EXPECT_THAT(S3ErrorStatus("<Error><Code>SlowDown</Code></Error>", 503, "u"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("SlowDown")));
  // Not an S3 error document: the HTTP status decides.
  EXPECT_THAT(S3ErrorStatus("gateway timeout", 504, "u"),
              StatusIs(absl::StatusCode::kUnavailable, "u: HTTP 504"));
  EXPECT_THAT(S3ErrorStatus("", 403, "u"), zring::testing::StatusIsCode(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(S3ErrorStatus("", 404, "u"), zring::testing::StatusIsCode(absl::StatusCode::kNotFound));
}

TEST(XmlReader, Tree) {
  ASSERT_OK_AND_ASSIGN(XmlElement root,
                       ParseXml("\xEF\xBB\xBF<?xml version='1.0'?><!-- c --><a x='1' y=\"2\">"
                                "t1<s3:b>in</s3:b>t2<?pi x?><c/></a><!-- after -->\n"));
  EXPECT_EQ(root.name, "a");
  EXPECT_EQ(root.text, "t1t2");
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(root.children[0].name, "b");
  EXPECT_EQ(root.children[0].text, "in");
  EXPECT_EQ(root.Child("c"), &root.children[1]);
  EXPECT_EQ(root.Child("d"), nullptr);
}

TEST(XmlReader, RejectsMalformedDocuments) {
  for (const char* bad : {
           "", "   ", "text", "<a>", "<a></b>", "<a><b></a></b>", "<a x=1></a>", "<a x='1></a>",
           "<a>&unknown;</a>", "<a>&amp</a>", "<a>&#0;</a>", "<a>&#xD800;</a>",
           "<a>&#x110000;</a>", "<a>&#99999999999999999999;</a>", "<a>&#;</a>", "<a>&#xZ;</a>",
           "<a></a><b></b>", "<a></a>trailing", "<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>",
           "<a><!DOCTYPE x></a>", "<a><!-- never closed </a>", "<a><![CDATA[ open </a>",
           "<a", "<>", "</a>", "<a></a", "<?xml never closed"}) {
    EXPECT_THAT(ParseXml(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("malformed XML at byte")))
        << bad;
  }
}

TEST(XmlReader, DepthIsBounded) {
  std::string ok, deep;
  for (int i = 0; i < kMaxXmlDepth; ++i) ok += "<a>";
  for (int i = 0; i < kMaxXmlDepth; ++i) ok += "</a>";
  EXPECT_OK(ParseXml(ok).status());
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  EXPECT_THAT(ParseXml(deep),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("deeper than 32")));
}

}  // namespace
}  // namespace zring::engine::http
