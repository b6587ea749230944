import Loyalty
import Testing

/// SMS parts as providers bill them (3GPP TS 23.038 alphabets, TS 23.040 concatenation).
@Suite("SMS parts")
struct SmsTextTests {
    @Test func gsm7FitsOneHundredSixtyThenOneHundredFiftyThreeAPart() {
        #expect(SmsText("Hello").encoding == .gsm7)
        #expect(SmsText("").parts == 1)
        #expect(SmsText(String(repeating: "a", count: 160)).parts == 1)
        #expect(SmsText(String(repeating: "a", count: 161)).parts == 2)
        #expect(SmsText(String(repeating: "a", count: 306)).parts == 2)
        #expect(SmsText(String(repeating: "a", count: 307)).parts == 3)
    }

    @Test func extensionCharactersCountTwoSeptets() {
        for c in ["^", "{", "}", "\\", "[", "~", "]", "|", "€", "\u{0C}"] {
            let text = SmsText(c)
            #expect(text.encoding == .gsm7 && text.units == 2, "\(c)")
        }
        #expect(SmsText(String(repeating: "{", count: 80)).parts == 1)
        #expect(SmsText(String(repeating: "€", count: 81)).parts == 2)
        #expect(SmsText("€ 100").units == 6)
    }

    @Test func anEscapeIsNeverSplitBetweenParts() {
        // 152 + 2 + 152 = 306 septets, two parts by arithmetic; but the € cannot straddle the
        // first part's last septet, so it opens the second part and the last "a" needs a third.
        let text = String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 152)
        #expect(SmsText(text).units == 306)
        #expect(SmsText(text).parts == 3)
    }

    @Test func cyrillicGoesAsUCS2SeventyThenSixtySevenAPart() {
        #expect(SmsText("Привет").encoding == .ucs2)
        #expect(SmsText(String(repeating: "я", count: 70)).parts == 1)
        #expect(SmsText(String(repeating: "я", count: 71)).parts == 2)
        #expect(SmsText(String(repeating: "я", count: 134)).parts == 2)
        #expect(SmsText(String(repeating: "я", count: 135)).parts == 3)
        // One non-GSM character makes the whole text UCS-2.
        #expect(SmsText(String(repeating: "a", count: 70) + "я").parts == 2)
    }

    @Test func charactersOutsideTheBMPCountTwoUnitsAndStayWhole() {
        #expect(SmsText("😀").units == 2)
        #expect(SmsText(String(repeating: "😀", count: 35)).parts == 1)
        #expect(SmsText(String(repeating: "😀", count: 36)).parts == 2)
        // 66 units then a surrogate pair: the pair opens the next part.
        let text = String(repeating: "я", count: 66) + "😀" + String(repeating: "я", count: 66)
        #expect(SmsText(text).units == 134)
        #expect(SmsText(text).parts == 3)
    }

    @Test func tenPartsAtMost() {
        #expect(SmsText.maximumParts == 10)
        #expect(SmsText(String(repeating: "я", count: 670)).isSendable)
        #expect(!SmsText(String(repeating: "я", count: 671)).isSendable)
        #expect(SmsText(String(repeating: "a", count: 1530)).isSendable)
        #expect(!SmsText(String(repeating: "a", count: 1531)).isSendable)
    }
}
