#!/usr/bin/env python3
"""Prints the Helvetica / Helvetica-Bold advance widths (1/1000 em) for WinAnsiEncoding codes
32..255, as used by src/report/winansi.rs.

Source: the metric-compatible URW Nimbus Sans AFM files of Debian's fonts-urw-base35
(/usr/share/fonts/type1/urw-base35/NimbusSans-{Regular,Bold}.afm). Widths are font facts;
the glyph names per code are those of WinAnsiEncoding (PDF 1.7, Annex D).
"""
import sys

ASCII = ("space exclam quotedbl numbersign dollar percent ampersand quotesingle parenleft "
         "parenright asterisk plus comma hyphen period slash zero one two three four five six "
         "seven eight nine colon semicolon less equal greater question at A B C D E F G H I J K "
         "L M N O P Q R S T U V W X Y Z bracketleft backslash bracketright asciicircum underscore "
         "grave a b c d e f g h i j k l m n o p q r s t u v w x y z braceleft bar braceright "
         "asciitilde").split()
HIGH = {
    0x80: "Euro", 0x82: "quotesinglbase", 0x83: "florin", 0x84: "quotedblbase",
    0x85: "ellipsis", 0x86: "dagger", 0x87: "daggerdbl", 0x88: "circumflex",
    0x89: "perthousand", 0x8A: "Scaron", 0x8B: "guilsinglleft", 0x8C: "OE", 0x8E: "Zcaron",
    0x91: "quoteleft", 0x92: "quoteright", 0x93: "quotedblleft", 0x94: "quotedblright",
    0x95: "bullet", 0x96: "endash", 0x97: "emdash", 0x98: "tilde", 0x99: "trademark",
    0x9A: "scaron", 0x9B: "guilsinglright", 0x9C: "oe", 0x9E: "zcaron", 0x9F: "Ydieresis",
}
LATIN1 = ("space exclamdown cent sterling currency yen brokenbar section dieresis copyright "
          "ordfeminine guillemotleft logicalnot hyphen registered macron degree plusminus "
          "twosuperior threesuperior acute mu paragraph periodcentered cedilla onesuperior "
          "ordmasculine guillemotright onequarter onehalf threequarters questiondown Agrave "
          "Aacute Acircumflex Atilde Adieresis Aring AE Ccedilla Egrave Eacute Ecircumflex "
          "Edieresis Igrave Iacute Icircumflex Idieresis Eth Ntilde Ograve Oacute Ocircumflex "
          "Otilde Odieresis multiply Oslash Ugrave Uacute Ucircumflex Udieresis Yacute Thorn "
          "germandbls agrave aacute acircumflex atilde adieresis aring ae ccedilla egrave eacute "
          "ecircumflex edieresis igrave iacute icircumflex idieresis eth ntilde ograve oacute "
          "ocircumflex otilde odieresis divide oslash ugrave uacute ucircumflex udieresis yacute "
          "thorn ydieresis").split()
assert len(ASCII) == 95 and len(LATIN1) == 96

names = {}
for i, n in enumerate(ASCII):
    names[0x20 + i] = n
names.update(HIGH)
for i, n in enumerate(LATIN1):
    names[0xA0 + i] = n

def widths(path):
    w = {}
    for line in open(path):
        if line.startswith("C "):
            fields = dict(f.strip().split(" ", 1) for f in line.strip().rstrip(";").split(";") if f.strip())
            w[fields["N"]] = int(fields["WX"])
    return w

for label, path in (("REGULAR", "NimbusSans-Regular.afm"), ("BOLD", "NimbusSans-Bold.afm")):
    w = widths("/usr/share/fonts/type1/urw-base35/" + path)
    row = []
    for code in range(32, 256):
        n = names.get(code)
        row.append(w[n] if n else 0)
    print(f"pub(crate) const {label}: [u16; 224] = [")
    for i in range(0, 224, 16):
        print("    " + ", ".join(str(x) for x in row[i:i+16]) + ",")
    print("];")
