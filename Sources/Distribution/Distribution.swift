// Distribution: download links, SMS, QR codes (issue 7).
