// The demo site's ad spend: a month of daily spend for the campaigns the
// demo page's visitors come from (the Google Ads and Yandex Direct clicks of
// its panel), as the CSV a marketer would upload. npm start sends it, so the
// dashboard's "Spend and return" has spend on first start; calls and their
// outcomes (each of the demo's outcomes has a value) bring the return.

/** The CSV: `days` days ending at `today` (a `Date`; days in Moscow time). */
export function demoSpendCsv(today = new Date(), days = 30) {
  const lines = ["day,source,medium,campaign,amount"];
  const moscow = today.getTime() + 3 * 3_600_000;
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(moscow - i * 86_400_000).toISOString().slice(0, 10);
    // Weekdays cost more than weekends; a fixed wobble, so runs are alike.
    const weekend = [0, 6].includes(new Date(day).getUTCDay());
    const wobble = (i * 7919) % 600;
    lines.push(`${day},google,cpc,implants,${(weekend ? 1800 : 2600) + wobble}.00`);
    lines.push(`${day},yandex,cpc,crowns,${(weekend ? 1100 : 1600) + ((i * 104_729) % 400)}.50`);
  }
  return `${lines.join("\n")}\n`;
}
