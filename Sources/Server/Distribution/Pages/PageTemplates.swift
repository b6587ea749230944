// The public pages' templates (swift-mustache), kept as Swift strings so the server needs no
// resource files. Every page works without JavaScript; the layout is mobile first.

enum PageTemplates {
    static let all: [String: String] = [
        "layout": layout, "landing": landing, "join": join, "code": code, "joined": joined, "message": message,
    ]

    static let css = """
        *{box-sizing:border-box}body{margin:0;font:16px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;\
        color:#1c1c1e;background:#f2f2f7}main{max-width:30rem;margin:0 auto;padding:1.25rem 1rem 2rem}h1{font-size:1.5rem;margin:.25rem 0 1rem}\
        p{margin:.5rem 0 1rem}.card{border-radius:14px;padding:1rem 1.1rem;margin:0 0 1rem;box-shadow:0 4px 14px rgba(0,0,0,.18)}\
        .card .top{display:flex;justify-content:space-between;align-items:center;gap:.5rem}.card .logo{height:28px;max-width:55%}\
        .card .label{font-size:.7rem;text-transform:uppercase;letter-spacing:.04em;display:block}.card .points{font-size:1.4rem;font-weight:600;text-align:right}\
        .card .holder{font-size:1.25rem;margin:1.1rem 0 .6rem}.card .bottom{display:flex;justify-content:space-between;gap:.5rem}\
        .wallet{display:flex;align-items:center;justify-content:center;gap:.6rem;background:#000;color:#fff;text-decoration:none;border-radius:10px;\
        min-height:48px;padding:.6rem 1rem;font-size:1.05rem;font-weight:500;margin:1rem 0}.wallet svg{flex:none}\
        .qr{background:#fff;border-radius:12px;padding:.75rem;max-width:16rem;margin:0 auto}.qr svg{display:block;width:100%;height:auto}\
        .hint{color:#555;text-align:center}.url{word-break:break-all;font-size:.85rem;color:#555;text-align:center}\
        form{background:#fff;border-radius:14px;padding:1rem}label{display:block;font-weight:500;margin:.75rem 0 .25rem}\
        input[type=text],input[type=tel]{width:100%;font-size:1.1rem;padding:.7rem .75rem;border:1px solid #c7c7cc;border-radius:10px;background:#fff}\
        input.code{letter-spacing:.35em;font-size:1.5rem;text-align:center}.consent{display:flex;gap:.6rem;align-items:flex-start;font-weight:400;margin-top:1rem}\
        .consent input{width:1.3rem;height:1.3rem;flex:none;margin-top:.1rem}button{width:100%;min-height:48px;margin-top:1.25rem;border:0;border-radius:10px;\
        background:#007aff;color:#fff;font-size:1.1rem;font-weight:600}.error{color:#c62828;font-size:.9rem;margin:.25rem 0 0}\
        .notice{background:#fff;border-radius:14px;padding:1rem}.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}\
        footer{text-align:center;font-size:.85rem;color:#777;padding:0 1rem 2rem}footer a{color:#555}
        """

    static let layout = """
        <!doctype html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex, nofollow">
        <meta name="referrer" content="no-referrer">
        <title>{{title}}</title>
        <style>{{{css}}}</style>
        </head>
        <body>
        <main>
        {{$body}}{{/body}}
        </main>
        {{#languageLinks}}<footer><a href="?lang=ru" lang="ru">Русский</a> · <a href="?lang=en" lang="en">English</a></footer>{{/languageLinks}}
        </body>
        </html>

        """

    /// The Wallet glyph of the button: a small card stack drawn inline.
    static let walletGlyph = """
        <svg width="26" height="20" viewBox="0 0 26 20" aria-hidden="true"><rect x="1" y="1" width="24" height="18" rx="3" fill="#fff"/>\
        <rect x="1" y="4" width="24" height="3" fill="#41b6e6"/><rect x="1" y="7" width="24" height="3" fill="#fdb827"/>\
        <rect x="1" y="10" width="24" height="3" fill="#f26d5b"/><rect x="1" y="13" width="24" height="6" rx="2" fill="#d9d9d9"/></svg>
        """

    static let cards = """
        {{#cards}}
        <section class="card" style="background:{{background}};color:{{foreground}}" aria-label="{{t.cardLabel}} {{number}}">
        <div class="top">{{#logo}}<img class="logo" src="data:image/png;base64,{{logo}}" alt="{{program}}">{{/logo}}{{^logo}}<strong>{{program}}</strong>{{/logo}}\
        <div><span class="label" style="color:{{label}}">{{t.balance}}</span><div class="points">{{points}}</div></div></div>
        <div class="holder">{{name}}</div>
        <div class="bottom"><div><span class="label" style="color:{{label}}">{{t.tier}}</span>{{tier}}</div>\
        <div><span class="label" style="color:{{label}}">{{t.number}}</span>{{number}}</div></div>
        </section>
        {{/cards}}
        """

    static let download = """
        <a class="wallet" href="{{downloadURL}}" id="add-to-wallet">\(walletGlyph)<span>{{t.addToWallet}}</span></a>
        {{#googleURL}}<a class="wallet google" href="{{googleURL}}" id="add-to-google-wallet"><span>{{t.addToGoogleWallet}}</span></a>{{/googleURL}}
        <p class="hint">{{t.scanHint}}</p>
        <div class="qr" id="qr">{{{qrSVG}}}</div>
        <p class="url"><a href="{{url}}">{{url}}</a></p>
        """

    static let landing = """
        {{<layout}}{{$body}}
        <h1>{{heading}}</h1>
        <p>{{t.landingIntro}}</p>
        \(cards)
        \(download)
        {{/body}}{{/layout}}
        """

    static let joined = """
        {{<layout}}{{$body}}
        <h1>{{t.joinedTitle}}</h1>
        <p>{{#smsSent}}{{t.joinedSms}}{{/smsSent}}{{^smsSent}}{{t.joinedNoSms}}{{/smsSent}}</p>
        \(cards)
        \(download)
        {{/body}}{{/layout}}
        """

    static let join = """
        {{<layout}}{{$body}}
        <h1>{{heading}}</h1>
        <p>{{t.joinIntro}}</p>
        {{#formError}}<p class="error" role="alert">{{formError}}</p>{{/formError}}
        <form method="post" action="{{action}}" accept-charset="utf-8" novalidate>
        <input type="hidden" name="lang" value="{{lang}}">
        <label for="name">{{t.name}}</label>
        <input type="text" id="name" name="name" value="{{name}}" autocomplete="name" maxlength="100" required>
        {{#nameError}}<p class="error">{{nameError}}</p>{{/nameError}}
        <label for="phone">{{t.phone}}</label>
        <input type="tel" id="phone" name="phone" value="{{phone}}" autocomplete="tel" inputmode="tel" maxlength="40" placeholder="+7 912 345-67-89" required>
        {{#phoneError}}<p class="error">{{phoneError}}</p>{{/phoneError}}
        {{#children}}
        <label for="child{{index}}">{{t.child}} {{index}}</label>
        <input type="text" id="child{{index}}" name="child{{index}}" value="{{value}}" maxlength="100" autocomplete="off">
        {{/children}}
        {{#childrenError}}<p class="error">{{childrenError}}</p>{{/childrenError}}
        <div class="hp" aria-hidden="true"><label for="website">Website</label><input type="text" id="website" name="website" tabindex="-1" autocomplete="off"></div>
        <label class="consent"><input type="checkbox" name="consent" value="yes"{{#consent}} checked{{/consent}} required>\
        <span>{{t.consentBefore}} <a href="{{policyURL}}" target="_blank" rel="noopener">{{t.consentLink}}</a>{{t.consentAfter}}</span></label>
        {{#consentError}}<p class="error">{{consentError}}</p>{{/consentError}}
        <button type="submit">{{t.getCode}}</button>
        </form>
        {{/body}}{{/layout}}
        """

    static let code = """
        {{<layout}}{{$body}}
        <h1>{{t.codeTitle}}</h1>
        <p>{{t.codeIntro}} <strong>{{maskedPhone}}</strong>.</p>
        {{#codeError}}<p class="error" role="alert">{{codeError}}</p>{{/codeError}}
        <form method="post" action="{{action}}" accept-charset="utf-8" novalidate>
        <input type="hidden" name="lang" value="{{lang}}">
        <input type="hidden" name="request" value="{{request}}">
        <label for="code">{{t.code}}</label>
        <input class="code" type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="6" required>
        <button type="submit">{{t.confirm}}</button>
        </form>
        {{/body}}{{/layout}}
        """

    static let message = """
        {{<layout}}{{$body}}
        <h1>{{heading}}</h1>
        <div class="notice"><p>{{text}}</p>{{#action}}<p><a href="{{action}}">{{actionText}}</a></p>{{/action}}</div>
        {{/body}}{{/layout}}
        """
}
