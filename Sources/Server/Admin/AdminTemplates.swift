// The dashboard's templates (swift-mustache), kept as Swift strings like the public pages'.
// `{{value}}` is HTML-escaped by Mustache; only the charts (drawn and escaped by ``BarChart``)
// and the stylesheet (a constant) go in unescaped. No scripts: forms and links only.

enum AdminTemplates {
    static let all: [String: String] = [
        "adminLayout": layout, "adminSignIn": signIn, "adminOverview": overview, "adminBroadcasts": broadcasts,
        "adminCards": cards, "adminCard": card, "adminMessage": message,
    ]

    static let css = """
        *{box-sizing:border-box}body{margin:0;font:15px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;\
        color:#1c1c1e;background:#f2f2f7}header{background:#1c1c1e;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;\
        align-items:center}header a{color:#fff;text-decoration:none}header a.current{text-decoration:underline}header .brand{font-weight:700}\
        header .spacer{flex:1}header form{display:inline;margin:0;padding:0;background:none}header button{width:auto;min-height:0;margin:0;\
        padding:.25rem .7rem;font-size:.9rem;background:#3a3a3c}header .who{color:#c7c7cc;font-size:.85rem}\
        main{max-width:64rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:.5rem 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}\
        .panel{background:#fff;border-radius:12px;padding:1rem;margin:0 0 1rem}.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));\
        gap:.6rem}.figure{background:#fff;border-radius:12px;padding:.7rem .9rem}.figure .value{font-size:1.35rem;font-weight:600}\
        .figure .label{font-size:.8rem;color:#555}.figure .sub{font-size:.8rem;color:#777}table{width:100%;border-collapse:collapse;background:#fff;\
        border-radius:12px;overflow:hidden}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #e5e5ea;vertical-align:top}\
        th{font-size:.8rem;color:#555;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\
        .bar{background:#e5e5ea;border-radius:6px;height:.7rem;min-width:6rem;overflow:hidden}.bar span{display:block;height:100%;background:#34c759}\
        .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(28rem,1fr));gap:.8rem}.chart-panel h3{font-size:.95rem;margin:0 0 .4rem}\
        .chart{width:100%;height:auto;display:block}.legend{font-size:.8rem;color:#555;margin:.3rem 0 0}.legend i{display:inline-block;width:.7rem;\
        height:.7rem;border-radius:2px;margin:0 .3rem 0 .8rem}form{background:#fff;border-radius:12px;padding:1rem;margin:0 0 1rem}\
        form.inline{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end}label{display:block;font-weight:500;margin:0 0 .2rem;font-size:.9rem}\
        input[type=text],input[type=password],input[type=date],input[type=search]{font-size:1rem;padding:.5rem .6rem;border:1px solid #c7c7cc;\
        border-radius:8px;background:#fff;width:100%}button{min-height:40px;border:0;border-radius:8px;background:#007aff;color:#fff;\
        font-size:1rem;font-weight:600;padding:.4rem 1rem}.signin{max-width:24rem;margin:3rem auto}.signin button{width:100%;margin-top:1rem}\
        .error{color:#c62828}.muted{color:#777}.pager{margin:.6rem 0}.state-done{color:#1b7f3b}.state-failed,.state-cancelled{color:#c62828}\
        footer{text-align:center;font-size:.85rem;color:#777;padding:1rem}footer a{color:#555}a{color:#0060df}
        """

    static let layout = """
        <!doctype html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex, nofollow">
        <meta name="referrer" content="no-referrer">
        <title>{{title}} · Passline</title>
        <style>{{{css}}}</style>
        </head>
        <body>
        {{#session}}
        <header>
        <a class="brand" href="/admin">Passline</a>
        <a href="/admin"{{#navOverview}} class="current"{{/navOverview}}>{{t.overview}}</a>
        <a href="/admin/broadcasts"{{#navBroadcasts}} class="current"{{/navBroadcasts}}>{{t.broadcasts}}</a>
        <a href="/admin/cards"{{#navCards}} class="current"{{/navCards}}>{{t.cards}}</a>
        <span class="spacer"></span>
        <span class="who" id="who">{{who}}</span>
        <form method="post" action="/admin/sign-out"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="sign-out">{{t.signOut}}</button></form>
        </header>
        {{/session}}
        <main>
        {{$body}}{{/body}}
        </main>
        <footer><a href="?lang=ru" lang="ru" id="lang-ru">Русский</a> · <a href="?lang=en" lang="en" id="lang-en">English</a></footer>
        </body>
        </html>

        """

    static let signIn = """
        {{<adminLayout}}{{$body}}
        <div class="signin">
        <h1>{{t.signInTitle}}</h1>
        {{#error}}<p class="error" role="alert" id="error">{{error}}</p>{{/error}}
        <form method="post" action="/admin/sign-in" accept-charset="utf-8">
        <input type="hidden" name="lang" value="{{lang}}">
        <label for="token">{{t.token}}</label>
        <input type="password" id="token" name="token" autocomplete="current-password" maxlength="256" required autofocus>
        <p class="muted">{{t.tokenHint}}</p>
        <button type="submit" id="sign-in">{{t.signIn}}</button>
        </form>
        </div>
        {{/body}}{{/adminLayout}}
        """

    static let overview = """
        {{<adminLayout}}{{$body}}
        <h1>{{t.overview}}</h1>
        <form method="get" action="/admin" class="inline" id="period">
        <div><label for="from">{{t.from}}</label><input type="date" id="from" name="from" value="{{from}}"></div>
        <div><label for="to">{{t.to}}</label><input type="date" id="to" name="to" value="{{to}}"></div>
        <div><label for="tz">{{t.timeZone}}</label><input type="text" id="tz" name="tz" value="{{timeZone}}" maxlength="64"></div>
        <button type="submit">{{t.show}}</button>
        </form>
        {{#error}}<p class="error" role="alert" id="error">{{error}}</p>{{/error}}
        {{#unavailable}}<div class="panel"><p class="muted" id="unavailable">{{t.reportsUnavailable}}</p></div>{{/unavailable}}
        {{#hasFigures}}<div class="figures" id="figures">{{/hasFigures}}
        {{#figures}}<div class="figure"><div class="label">{{label}}</div><div class="value">{{value}}</div>{{#sub}}<div class="sub">{{sub}}</div>{{/sub}}</div>{{/figures}}
        {{#hasFigures}}</div>{{/hasFigures}}
        {{#hasCharts}}<h2>{{t.byInterval}}</h2><div class="charts" id="charts">{{/hasCharts}}
        {{#charts}}<div class="panel chart-panel"><h3>{{title}}</h3>{{{svg}}}<p class="legend">{{#legend}}<i style="background:{{color}}"></i>{{name}}{{/legend}}</p></div>{{/charts}}
        {{#hasCharts}}</div>{{/hasCharts}}
        {{#hasTiers}}<h2>{{t.tiers}}</h2><table id="tiers"><tr><th>{{t.tier}}</th><th class="num">{{t.households}}</th><th class="num">{{t.cardsCount}}</th><th class="num">{{t.balance}}</th></tr>{{/hasTiers}}
        {{#tiers}}<tr><td>{{tier}}</td><td class="num">{{households}}</td><td class="num">{{cards}}</td><td class="num">{{balance}}</td></tr>{{/tiers}}
        {{#hasTiers}}</table>{{/hasTiers}}
        {{#hasSources}}<h2>{{t.sources}}</h2><table id="sources"><tr><th>{{t.source}}</th><th class="num">{{t.issued}}</th><th class="num">{{t.total}}</th></tr>{{/hasSources}}
        {{#sources}}<tr><td>{{source}}</td><td class="num">{{issued}}</td><td class="num">{{total}}</td></tr>{{/sources}}
        {{#hasSources}}</table>{{/hasSources}}
        {{/body}}{{/adminLayout}}
        """

    static let broadcastRows = """
        {{#hasRows}}<table id="broadcast-list"><tr><th>#</th><th>{{t.created}}</th><th>{{t.message}}</th><th>{{t.state}}</th>\
        <th class="num">{{t.points}}</th><th class="num">{{t.targeted}}</th><th>{{t.progress}}</th><th class="num">{{t.pushed}}</th>\
        <th class="num">{{t.fetched}}</th></tr>{{/hasRows}}
        {{#rows}}<tr class="broadcast" id="broadcast-{{id}}"><td>{{id}}</td><td>{{created}}</td><td>{{message}}</td>\
        <td class="state-{{stateCode}}">{{state}}</td><td class="num">{{points}}</td><td class="num">{{targeted}}</td>\
        <td><div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="{{percent}}"><span style="width:{{percent}}%"></span></div>\
        <span class="muted">{{percent}} % · {{done}}</span></td><td class="num">{{pushed}}</td><td class="num">{{fetched}}</td></tr>{{/rows}}
        {{#hasRows}}</table>{{/hasRows}}
        """

    static let broadcasts = """
        {{<adminLayout}}{{$body}}
        <h1>{{t.broadcasts}}</h1>
        \(broadcastRows)
        {{^rows}}<div class="panel"><p class="muted">{{t.noBroadcasts}}</p></div>{{/rows}}
        {{#older}}<p class="pager"><a href="/admin/broadcasts?before={{older}}" id="older">{{t.older}}</a></p>{{/older}}
        {{/body}}{{/adminLayout}}
        """

    static let cards = """
        {{<adminLayout}}{{$body}}
        <h1>{{t.cards}}</h1>
        <form method="get" action="/admin/cards" class="inline" id="search" role="search">
        <div style="flex:1"><label for="q">{{t.searchLabel}}</label><input type="search" id="q" name="q" value="{{q}}" maxlength="100"></div>
        <button type="submit">{{t.search}}</button>
        </form>
        {{#error}}<p class="error" role="alert" id="error">{{error}}</p>{{/error}}
        {{#hasResults}}<table id="results"><tr><th>{{t.number}}</th><th>{{t.name}}</th><th>{{t.phone}}</th><th>{{t.tier}}</th><th class="num">{{t.balance}}</th><th>{{t.status}}</th></tr>{{/hasResults}}
        {{#results}}<tr class="result"><td><a href="/admin/cards/{{path}}">{{number}}</a></td><td>{{name}}</td><td>{{phone}}</td><td>{{tier}}</td><td class="num">{{balance}}</td><td>{{status}}</td></tr>{{/results}}
        {{#hasResults}}</table>{{/hasResults}}
        {{#searched}}{{^results}}<div class="panel"><p class="muted" id="nothing">{{t.nothingFound}}</p></div>{{/results}}{{/searched}}
        {{#next}}<p class="pager"><a href="/admin/cards?q={{q}}&amp;after={{next}}" id="next">{{t.next}}</a></p>{{/next}}
        {{/body}}{{/adminLayout}}
        """

    static let card = """
        {{<adminLayout}}{{$body}}
        <h1 id="card-title">{{name}} · {{number}}</h1>
        <div class="figures">
        <div class="figure"><div class="label">{{t.balance}}</div><div class="value" id="balance">{{balance}}</div></div>
        <div class="figure"><div class="label">{{t.tier}}</div><div class="value" id="tier">{{tier}}</div></div>
        <div class="figure"><div class="label">{{t.turnover}}</div><div class="value">{{turnover}}</div></div>
        <div class="figure"><div class="label">{{t.status}}</div><div class="value" id="status">{{status}}</div><div class="sub">{{t.since}} {{created}}</div></div>
        </div>
        <h2>{{t.household}} · {{phone}}</h2>
        <table id="household"><tr><th>{{t.number}}</th><th>{{t.name}}</th><th>{{t.status}}</th><th>{{t.created}}</th></tr>
        {{#household}}<tr class="member"><td>{{#current}}<strong>{{number}}</strong>{{/current}}{{^current}}<a href="/admin/cards/{{path}}">{{number}}</a>{{/current}}</td><td>{{name}}</td><td>{{status}}</td><td>{{created}}</td></tr>{{/household}}
        </table>
        <h2>{{t.devices}}</h2>
        {{#hasDevices}}<table id="devices"><tr><th>{{t.wallet}}</th><th>{{t.registered}}</th></tr>{{/hasDevices}}
        {{#devices}}<tr class="device"><td>{{client}}</td><td>{{registered}}</td></tr>{{/devices}}
        {{#hasDevices}}</table>{{/hasDevices}}
        {{^devices}}<div class="panel"><p class="muted" id="no-devices">{{t.noDevices}}</p></div>{{/devices}}
        {{#google}}<h2>Google Wallet</h2><div class="panel" id="google"><p>{{t.googleState}}: <strong>{{state}}</strong> · {{t.googleSaved}}: <strong>{{saved}}</strong>{{#synced}} · {{t.googleSynced}} {{synced}}{{/synced}}</p></div>{{/google}}
        <h2>{{t.ledger}}</h2>
        {{#hasEntries}}<table id="ledger"><tr><th>#</th><th>{{t.date}}</th><th>{{t.kind}}</th><th class="num">{{t.points}}</th><th class="num">{{t.balanceAfter}}</th><th>{{t.card}}</th><th>{{t.comment}}</th></tr>{{/hasEntries}}
        {{#entries}}<tr class="entry"><td>{{id}}</td><td>{{date}}</td><td>{{kind}}</td><td class="num">{{points}}</td><td class="num">{{balanceAfter}}</td><td>{{card}}</td><td>{{comment}}</td></tr>{{/entries}}
        {{#hasEntries}}</table>{{/hasEntries}}
        {{^entries}}<div class="panel"><p class="muted">{{t.noEntries}}</p></div>{{/entries}}
        <p class="pager">{{#newest}}<a href="/admin/cards/{{path}}" id="newest">{{t.newest}}</a> {{/newest}}{{#older}}<a href="/admin/cards/{{path}}?before={{older}}" id="older">{{t.older}}</a>{{/older}}</p>
        {{/body}}{{/adminLayout}}
        """

    static let message = """
        {{<adminLayout}}{{$body}}
        <h1>{{heading}}</h1>
        <div class="panel"><p id="message">{{text}}</p><p><a href="/admin">{{t.back}}</a></p></div>
        {{/body}}{{/adminLayout}}
        """
}
