"""The demo site's first-tier catalogue: the matters citizens bring to a Finnish city's one-stop
service point, in Finnish, Swedish and English (server/demo.py seeds them; server/matters.py serves them).

Each dict holds Matter fields (server/models.py) by name. National matters link the national
e-service (Lupapiste, Suomi.fi, Kela, DVV, Vero, Traficom, Työmarkkinatori); the city's own e-services
are on the reserved demo domain below. ``service_code`` is one of the demo's services (server/demo.py
SERVICES), or None where the matter is settled by self-service only. tests/data/guide_questions.tsv
holds the questions citizens type for these matters, by key.
"""

CITY = "https://asiointi.kaupunki.example"  # the demo city's own e-services (a reserved domain)
LUPAPISTE = "https://www.lupapiste.fi/"

MATTERS: list[dict] = [
    # --- Parking ---
    {
        "key": "parking-permit-resident",
        "title_fi": "Asukaspysäköintitunnus",
        "title_sv": "Boendeparkeringstillstånd",
        "title_en": "Resident parking permit",
        "keywords_fi": "asukaspysäköinti, asukaspysäköintilupa, pysäköintilupa, pysäköintitunnus, parkkilupa, "
                       "parkkitunnus, asukastunnus, asukaspaikka, pysäköinti kotikadulla, parkkeeraus",
        "keywords_sv": "boendeparkering, parkeringstillstånd, parkeringstillstånd för boende, parkeringstecken, "
                       "parkering, invånarparkering",
        "keywords_en": "resident parking, parking permit, parking zone, residential parking, parking near home, "
                       "car permit",
        "answer_fi": "Asukaspysäköintitunnuksella voit pysäköidä oman asuinalueesi asukaspysäköintipaikoille. "
                     "Tunnusta haetaan verkossa, ja se on sidottu auton rekisterinumeroon. Tunnus maksetaan "
                     "hakemisen yhteydessä. Jos vaihdat autoa tai muutat, päivitä tiedot samassa palvelussa.",
        "answer_sv": "Med boendeparkeringstillstånd kan du parkera på boendeparkeringsplatserna i ditt eget "
                     "område. Du ansöker om tillståndet på nätet, och det gäller för bilens registernummer. "
                     "Tillståndet betalas när du ansöker. Om du byter bil eller flyttar, uppdatera uppgifterna "
                     "i samma tjänst.",
        "answer_en": "With a resident parking permit you can park in the residents' spaces of your own area. "
                     "You apply online, and the permit is tied to the car's registration number. You pay for it "
                     "when you apply. If you change your car or move, update the details in the same service.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\nauton rekisterinumero\nmaksukortti tai verkkopankki",
        "bring_sv": "bankkoder eller mobilcertifikat\nbilens registernummer\nbetalkort eller nätbank",
        "bring_en": "online banking codes or a mobile certificate\nthe car's registration number\n"
                    "a payment card or online bank",
        "steps_fi": "Avaa pysäköintitunnusten verkkopalvelu.\n"
                    "Tunnistaudu pankkitunnuksilla tai mobiilivarmenteella.\n"
                    "Valitse asukaspysäköintitunnus ja anna auton rekisterinumero.\n"
                    "Maksa tunnus. Se on voimassa heti, eikä lappua tarvita.",
        "steps_sv": "Öppna e-tjänsten för parkeringstillstånd.\n"
                    "Identifiera dig med bankkoder eller mobilcertifikat.\n"
                    "Välj boendeparkering och ange bilens registernummer.\n"
                    "Betala tillståndet. Det gäller genast, ingen lapp behövs.",
        "steps_en": "Open the parking permit e-service.\n"
                    "Identify yourself with online banking codes or a mobile certificate.\n"
                    "Choose resident parking and enter the car's registration number.\n"
                    "Pay for the permit. It is valid at once; no paper slip is needed.",
        "eservice_url_fi": f"{CITY}/pysakointi",
        "eservice_url_sv": f"{CITY}/pysakointi",
        "eservice_url_en": f"{CITY}/pysakointi",
        "service_code": "advice",
        "book": False,
        "topic_position": 1,
    },
    {
        "key": "parking-permit-business",
        "title_fi": "Yrityksen pysäköintitunnus",
        "title_sv": "Parkeringstillstånd för företag",
        "title_en": "Business parking permit",
        "keywords_fi": "yrityspysäköinti, yrityksen pysäköintilupa, huoltoajo, huoltoajotunnus, työmaapysäköinti, "
                       "pakettiauto, yrittäjä, firman auto",
        "keywords_sv": "företagsparkering, företagstillstånd, serviceparkering, servicetillstånd, paketbil, "
                       "företagare, firmabil",
        "keywords_en": "business parking, company parking, service vehicle permit, trade permit, van, "
                       "business owner, company car",
        "answer_fi": "Yritys voi hakea pysäköintitunnusta autolle, jota se tarvitsee työssään alueella. Hae tunnus "
                     "verkossa yrityksen nimissä; tarvitset Suomi.fi-valtuuden tai oikeuden asioida yrityksen "
                     "puolesta. Hinta riippuu alueesta ja voimassaoloajasta.",
        "answer_sv": "Ett företag kan ansöka om parkeringstillstånd för en bil som det behöver i sitt arbete i "
                     "området. Ansök på nätet i företagets namn; du behöver en Suomi.fi-fullmakt eller rätt att "
                     "sköta ärenden för företaget. Priset beror på området och giltighetstiden.",
        "answer_en": "A business can apply for a parking permit for a vehicle it needs for its work in the area. "
                     "Apply online in the company's name; you need a Suomi.fi authorisation or the right to act "
                     "for the company. The price depends on the area and how long the permit is valid.",
        "bring_fi": "yrityksen Y-tunnus\nauton rekisterinumero\nverkkopankkitunnukset tai mobiilivarmenne",
        "bring_sv": "företagets FO-nummer\nbilens registernummer\nbankkoder eller mobilcertifikat",
        "bring_en": "the company's business ID\nthe car's registration number\n"
                    "online banking codes or a mobile certificate",
        "steps_fi": "Avaa pysäköintitunnusten verkkopalvelu.\n"
                    "Kirjaudu ja valitse, että asioit yrityksen puolesta.\n"
                    "Valitse yrityksen pysäköintitunnus, alue ja auto.\n"
                    "Maksa verkossa tai pyydä lasku.",
        "steps_sv": "Öppna e-tjänsten för parkeringstillstånd.\n"
                    "Logga in och välj att du sköter ärenden för företaget.\n"
                    "Välj företagstillstånd, område och bil.\n"
                    "Betala på nätet eller be om en faktura.",
        "steps_en": "Open the parking permit e-service.\n"
                    "Log in and choose to act on behalf of the company.\n"
                    "Choose the business permit, the area and the vehicle.\n"
                    "Pay online or ask for an invoice.",
        "eservice_url_fi": f"{CITY}/pysakointi",
        "eservice_url_sv": f"{CITY}/pysakointi",
        "eservice_url_en": f"{CITY}/pysakointi",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "parking-permit-disabled",
        "title_fi": "Liikkumisesteisen pysäköintitunnus",
        "title_sv": "Parkeringstillstånd för rörelsehindrade",
        "title_en": "Disabled parking permit",
        "keywords_fi": "invalupa, invapaikka, vammaisen pysäköintilupa, invalidin pysäköintilupa, invapysäköinti, "
                       "liikuntarajoitteinen, pyörätuoli, Traficom, Ajovarma",
        "keywords_sv": "handikapparkering, invalidparkering, rörelsehinder, funktionsnedsättning, rullstol, "
                       "Traficom, Ajovarma",
        "keywords_en": "disabled parking, blue badge, handicap parking, accessible parking, mobility impairment, "
                       "wheelchair, Traficom, Ajovarma",
        "answer_fi": "Liikkumisesteisen pysäköintitunnuksen myöntää Traficom, ei kaupunki. Haet sitä Traficomin "
                     "verkkopalvelussa tai Ajovarman palvelupisteessä. Tarvitset yleensä lääkärinlausunnon. Tunnus "
                     "on henkilökohtainen, ja se kelpaa kaikissa EU-maissa.",
        "answer_sv": "Parkeringstillstånd för rörelsehindrade beviljas av Traficom, inte av staden. Du ansöker i "
                     "Traficoms e-tjänst eller på ett av Ajovarmas serviceställen. Oftast behöver du ett "
                     "läkarutlåtande. Tillståndet är personligt och gäller i alla EU-länder.",
        "answer_en": "The disabled parking permit is granted by Traficom, not by the city. Apply in Traficom's "
                     "e-service or at an Ajovarma service point. You usually need a doctor's statement. The permit "
                     "is personal and valid in all EU countries.",
        "bring_fi": "lääkärinlausunto pysäköintitunnusta varten\nverkkopankkitunnukset tai mobiilivarmenne\n"
                    "henkilöllisyystodistus, jos asioit Ajovarmassa",
        "bring_sv": "läkarutlåtande för parkeringstillståndet\nbankkoder eller mobilcertifikat\n"
                    "identitetsbevis om du besöker Ajovarma",
        "bring_en": "a doctor's statement for the parking permit\nonline banking codes or a mobile certificate\n"
                    "an ID if you visit Ajovarma",
        "steps_fi": "Hanki lääkärinlausunto pysäköintitunnusta varten.\n"
                    "Avaa Traficomin verkkopalvelu ja tunnistaudu.\n"
                    "Täytä hakemus ja liitä lausunto.\n"
                    "Tunnus tulee sinulle postissa.",
        "steps_sv": "Skaffa ett läkarutlåtande för parkeringstillståndet.\n"
                    "Öppna Traficoms e-tjänst och identifiera dig.\n"
                    "Fyll i ansökan och bifoga utlåtandet.\n"
                    "Tillståndet kommer till dig per post.",
        "steps_en": "Get a doctor's statement for the parking permit.\n"
                    "Open Traficom's e-service and identify yourself.\n"
                    "Fill in the application and attach the statement.\n"
                    "The permit comes to you by post.",
        "eservice_url_fi": "https://www.traficom.fi/fi/asioi-kanssamme/"
                           "liikkumisesteisen-pysakointitunnuksen-ja-verovapautuksen-hakeminen",
        "eservice_url_sv": "https://www.traficom.fi/fi/asioi-kanssamme/"
                           "liikkumisesteisen-pysakointitunnuksen-ja-verovapautuksen-hakeminen",
        "eservice_url_en": "https://www.traficom.fi/fi/asioi-kanssamme/"
                           "liikkumisesteisen-pysakointitunnuksen-ja-verovapautuksen-hakeminen",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "parking-fine",
        "title_fi": "Pysäköintivirhemaksu",
        "title_sv": "Felparkeringsavgift",
        "title_en": "Parking fine",
        "keywords_fi": "parkkisakko, pysäköintisakko, virhemaksu, lappu tuulilasissa, oikaisuvaatimus, "
                       "pysäköinninvalvonta, sakon maksaminen, parkkipirkko",
        "keywords_sv": "parkeringsbot, p-bot, felparkering, rättelseyrkande, parkeringsövervakning, lapp på rutan",
        "keywords_en": "parking ticket, parking penalty, fine, request for correction, parking control, "
                       "ticket on windscreen",
        "answer_fi": "Pysäköintivirhemaksu maksetaan lapussa olevilla maksutiedoilla eräpäivään mennessä. Jos pidät "
                     "maksua aiheettomana, tee oikaisuvaatimus verkossa 30 päivän kuluessa. Maksamattomaan "
                     "maksuun tulee korotus, ja se voidaan periä ulosotossa.",
        "answer_sv": "Felparkeringsavgiften betalas med betalningsuppgifterna på lappen senast på förfallodagen. "
                     "Om du anser att avgiften är obefogad, gör ett rättelseyrkande på nätet inom 30 dagar. En "
                     "obetald avgift höjs och kan drivas in genom utsökning.",
        "answer_en": "Pay the parking fine with the payment details on the notice by the due date. If you think "
                     "the fine is wrong, make a request for correction online within 30 days. An unpaid fine is "
                     "increased and can be collected through enforcement.",
        "bring_fi": "virhemaksulappu tai sen numero\nkuvat tai muut todisteet, jos haet oikaisua",
        "bring_sv": "lappen om felparkeringsavgift eller dess nummer\nfoton eller andra bevis om du begär rättelse",
        "bring_en": "the parking fine notice or its number\nphotos or other evidence if you ask for a correction",
        "steps_fi": "Avaa pysäköintivirhemaksujen verkkopalvelu.\n"
                    "Anna lapun numero ja auton rekisterinumero.\n"
                    "Maksa maksu tai tee oikaisuvaatimus ja liitä kuvat.",
        "steps_sv": "Öppna e-tjänsten för felparkeringsavgifter.\n"
                    "Ange lappens nummer och bilens registernummer.\n"
                    "Betala avgiften eller gör ett rättelseyrkande och bifoga foton.",
        "steps_en": "Open the parking fines e-service.\n"
                    "Enter the notice number and the car's registration number.\n"
                    "Pay the fine, or request a correction and attach photos.",
        "eservice_url_fi": f"{CITY}/pysakointivirhemaksu",
        "eservice_url_sv": f"{CITY}/pysakointivirhemaksu",
        "eservice_url_en": f"{CITY}/pysakointivirhemaksu",
        "service_code": "payments",
        "book": False,
        "topic_position": 0,
    },
    # --- Building control ---
    {
        "key": "building-permit",
        "title_fi": "Rakennuslupa",
        "title_sv": "Bygglov",
        "title_en": "Building permit",
        "keywords_fi": "rakentamislupa, lupahakemus, omakotitalo, talon rakentaminen, lisärakentaminen, laajennus, "
                       "autotalli, piharakennus, Lupapiste, rakennusvalvonta, pääsuunnittelija",
        "keywords_sv": "byggnadslov, ansökan om bygglov, egnahemshus, bygga hus, tillbyggnad, garage, uthus, "
                       "Lupapiste, byggnadstillsyn, huvudplanerare",
        "keywords_en": "construction permit, planning permission, build a house, extension, garage, outbuilding, "
                       "Lupapiste, building control, chief designer",
        "answer_fi": "Uuteen rakennukseen ja useimpiin laajennuksiin tarvitset rakentamisluvan (ennen rakennuslupa). "
                     "Lupaa haetaan Lupapiste.fi-palvelussa, jossa myös piirustukset ja liitteet toimitetaan. "
                     "Keskustele hankkeesta rakennusvalvonnan kanssa jo ennen hakemista, niin käsittely sujuu "
                     "nopeammin.",
        "answer_sv": "För en ny byggnad och de flesta tillbyggnader behöver du bygglov. Du ansöker i tjänsten "
                     "Lupapiste.fi, där du också lämnar ritningar och bilagor. Diskutera projektet med "
                     "byggnadstillsynen redan före ansökan, så går behandlingen snabbare.",
        "answer_en": "You need a building permit for a new building and for most extensions. Apply in the "
                     "Lupapiste.fi service, where you also submit the drawings and attachments. Talk to building "
                     "control about your project before you apply; the permit is then handled faster.",
        "bring_fi": "rakennuspaikan kiinteistötunnus\npääpiirustukset pääsuunnittelijalta\n"
                    "selvitys rakennuspaikan hallinnasta\nnaapurien kuuleminen tai suostumus",
        "bring_sv": "byggplatsens fastighetsbeteckning\nhuvudritningar från huvudplaneraren\n"
                    "utredning om besittningen av byggplatsen\nhörande av grannarna eller deras samtycke",
        "bring_en": "the property ID of the building site\nmain drawings from the chief designer\n"
                    "proof that you hold the site\nthe neighbours' consultation or consent",
        "steps_fi": "Avaa Lupapiste.fi ja kirjaudu.\n"
                    "Tee hankkeesta neuvontapyyntö tai lupahakemus.\n"
                    "Lisää piirustukset ja liitteet.\n"
                    "Jätä hakemus ja seuraa käsittelyä Lupapisteessä.",
        "steps_sv": "Öppna Lupapiste.fi och logga in.\n"
                    "Gör en rådgivningsbegäran eller en ansökan om projektet.\n"
                    "Lägg till ritningar och bilagor.\n"
                    "Lämna in ansökan och följ behandlingen i Lupapiste.",
        "steps_en": "Open Lupapiste.fi and log in.\n"
                    "Make an advice request or a permit application for your project.\n"
                    "Add the drawings and attachments.\n"
                    "Submit the application and follow it in Lupapiste.",
        "eservice_url_fi": LUPAPISTE,
        "eservice_url_sv": LUPAPISTE,
        "eservice_url_en": LUPAPISTE,
        "service_code": "building",
        "book": False,
        "topic_position": 3,
    },
    {
        "key": "minor-building-notice",
        "title_fi": "Pienet rakennustyöt ja korjaukset",
        "title_sv": "Små byggåtgärder och reparationer",
        "title_en": "Minor building work and renovations",
        "keywords_fi": "ilmoitus rakennusvalvontaan, toimenpidelupa, ilmoitusmenettely, pieni rakennelma, katos, "
                       "aita, terassi, julkisivu, kattoremontti, ikkunat, remontti, korjausrakentaminen, "
                       "luvanvaraisuus",
        "keywords_sv": "anmälan till byggnadstillsynen, åtgärdstillstånd, anmälningsförfarande, skärmtak, staket, "
                       "terrass, fasad, takrenovering, fönster, renovering, reparationsbyggande",
        "keywords_en": "notice to building control, minor works, small structure, canopy, fence, deck, facade, "
                       "roof repair, windows, renovation, permit needed",
        "answer_fi": "Kaikki pienet rakennustyöt eivät tarvitse lupaa, mutta osa on ilmoitettava rakennusvalvontaan "
                     "ennen työn aloittamista. Esimerkiksi katos, aita tai julkisivun muutos voi vaatia ilmoituksen "
                     "tai luvan. Tarkista asia kaupungin rakennusjärjestyksestä tai kysy rakennusvalvonnasta. "
                     "Ilmoitus tehdään Lupapiste.fi-palvelussa.",
        "answer_sv": "Alla små byggarbeten kräver inte tillstånd, men en del ska anmälas till byggnadstillsynen "
                     "innan arbetet börjar. Till exempel ett skärmtak, ett staket eller en ändring av fasaden kan "
                     "kräva anmälan eller tillstånd. Kontrollera stadens byggnadsordning eller fråga "
                     "byggnadstillsynen. Anmälan görs i tjänsten Lupapiste.fi.",
        "answer_en": "Not all small building work needs a permit, but some must be notified to building control "
                     "before the work starts. A canopy, a fence or a change to the facade, for example, may need a "
                     "notice or a permit. Check the city's building ordinance or ask building control. Notices are "
                     "made in the Lupapiste.fi service.",
        "bring_fi": "kuvaus työstä ja sen paikasta\nasemapiirros tai valokuvat\nkiinteistötunnus",
        "bring_sv": "en beskrivning av arbetet och platsen\nsituationsplan eller foton\nfastighetsbeteckning",
        "bring_en": "a description of the work and where it is\na site plan or photos\nthe property ID",
        "steps_fi": "Tarkista rakennusjärjestyksestä, tarvitaanko ilmoitus vai lupa.\n"
                    "Avaa Lupapiste.fi ja valitse hankkeen tyyppi.\n"
                    "Kuvaile työ ja lisää kuvat tai piirros.\n"
                    "Jätä ilmoitus ennen kuin aloitat työn.",
        "steps_sv": "Kontrollera i byggnadsordningen om det behövs en anmälan eller ett tillstånd.\n"
                    "Öppna Lupapiste.fi och välj typ av projekt.\n"
                    "Beskriv arbetet och lägg till foton eller en ritning.\n"
                    "Lämna in anmälan innan du börjar arbetet.",
        "steps_en": "Check the building ordinance to see whether a notice or a permit is needed.\n"
                    "Open Lupapiste.fi and choose the type of project.\n"
                    "Describe the work and add photos or a drawing.\n"
                    "Submit the notice before you start the work.",
        "eservice_url_fi": LUPAPISTE,
        "eservice_url_sv": LUPAPISTE,
        "eservice_url_en": LUPAPISTE,
        "service_code": "building",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "demolition-permit",
        "title_fi": "Rakennuksen purkaminen",
        "title_sv": "Rivning av en byggnad",
        "title_en": "Demolishing a building",
        "keywords_fi": "purkulupa, purkamislupa, purkamisilmoitus, purku, ulkorakennus, aitta, vaja, talon purku, "
                       "asbesti, purkujäte",
        "keywords_sv": "rivningslov, rivningsanmälan, riva hus, riva uthus, bod, asbest, rivningsavfall",
        "keywords_en": "demolition permit, demolition notice, tear down, knock down, pull down, shed, asbestos, "
                       "demolition waste",
        "answer_fi": "Asemakaava-alueella rakennuksen purkamiseen tarvitaan yleensä purkamislupa. Muualla riittää "
                     "usein purkamisilmoitus, joka tehdään 30 päivää ennen purkamista. Molemmat tehdään "
                     "Lupapiste.fi-palvelussa. Selvitä samalla, miten purkujäte ja mahdollinen asbesti käsitellään.",
        "answer_sv": "Inom detaljplanerat område behövs oftast rivningslov för att riva en byggnad. Annars räcker "
                     "ofta en rivningsanmälan, som görs 30 dagar före rivningen. Båda görs i tjänsten "
                     "Lupapiste.fi. Ta samtidigt reda på hur rivningsavfallet och eventuell asbest ska hanteras.",
        "answer_en": "In a town plan area, demolishing a building usually needs a demolition permit. Elsewhere a "
                     "demolition notice, made 30 days before, is often enough. Both are made in the Lupapiste.fi "
                     "service. Find out at the same time how the demolition waste and any asbestos are handled.",
        "bring_fi": "kiinteistötunnus\ntiedot purettavasta rakennuksesta\n"
                    "asbestikartoitus, jos rakennus on rakennettu ennen vuotta 1994",
        "bring_sv": "fastighetsbeteckning\nuppgifter om byggnaden som ska rivas\n"
                    "asbestkartläggning om byggnaden är byggd före 1994",
        "bring_en": "the property ID\ndetails of the building to be demolished\n"
                    "an asbestos survey if the building is from before 1994",
        "steps_fi": "Avaa Lupapiste.fi ja valitse rakennuksen purkaminen.\n"
                    "Anna rakennuksen tiedot ja liitä kartoitukset.\n"
                    "Jätä hakemus tai ilmoitus hyvissä ajoin ennen purkua.",
        "steps_sv": "Öppna Lupapiste.fi och välj rivning av byggnad.\n"
                    "Ange byggnadens uppgifter och bifoga kartläggningarna.\n"
                    "Lämna in ansökan eller anmälan i god tid före rivningen.",
        "steps_en": "Open Lupapiste.fi and choose demolishing a building.\n"
                    "Enter the building's details and attach the surveys.\n"
                    "Submit the application or notice well before the demolition.",
        "eservice_url_fi": LUPAPISTE,
        "eservice_url_sv": LUPAPISTE,
        "eservice_url_en": LUPAPISTE,
        "service_code": "building",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "building-inspection",
        "title_fi": "Katselmukset ja rakennustarkastus",
        "title_sv": "Syner och byggnadsinspektion",
        "title_en": "Building inspections",
        "keywords_fi": "loppukatselmus, aloituskokous, osittainen loppukatselmus, rakennustarkastus, "
                       "rakennustarkastaja, pohjakatselmus, rakennekatselmus, käyttöönottotarkastus, "
                       "vastaava työnjohtaja",
        "keywords_sv": "slutsyn, startmöte, byggnadsinspektör, grundsyn, konstruktionssyn, ibruktagningssyn, "
                       "ansvarig arbetsledare",
        "keywords_en": "final inspection, start meeting, building inspector, foundation inspection, "
                       "structural inspection, occupancy inspection, responsible site manager",
        "answer_fi": "Rakennusvalvonnan katselmukset, kuten aloituskokous ja loppukatselmus, tilataan "
                     "Lupapiste.fi-palvelussa oman hankkeen kautta. Tilaa katselmus vähintään viikkoa ennen "
                     "toivottua päivää; vastaavan työnjohtajan on oltava paikalla. Rakennuksen saa ottaa käyttöön "
                     "vasta, kun se on hyväksytty katselmuksessa.",
        "answer_sv": "Byggnadstillsynens syner, till exempel startmöte och slutsyn, beställs i tjänsten "
                     "Lupapiste.fi under ditt eget projekt. Beställ synen minst en vecka före önskad dag; den "
                     "ansvariga arbetsledaren ska vara på plats. Byggnaden får tas i bruk först när den har "
                     "godkänts vid syn.",
        "answer_en": "Building control's inspections, such as the start meeting and the final inspection, are "
                     "ordered in Lupapiste.fi under your own project. Order at least a week before the day you "
                     "want; the responsible site manager must be present. The building may be taken into use only "
                     "after it has passed the inspection.",
        "bring_fi": "luvan ja hankkeen tunnus\ntyömaan tarkastusasiakirja\nvastaavan työnjohtajan yhteystiedot",
        "bring_sv": "tillståndets och projektets nummer\nbyggarbetsplatsens kontrolldokument\n"
                    "den ansvariga arbetsledarens kontaktuppgifter",
        "bring_en": "the permit and project number\nthe site's inspection record\n"
                    "the responsible site manager's contact details",
        "steps_fi": "Avaa hankkeesi Lupapiste.fi-palvelussa.\n"
                    "Valitse Katselmukset ja tilaa tarvittava katselmus.\n"
                    "Ehdota päivää ja anna yhteystiedot.\n"
                    "Rakennustarkastaja vahvistaa ajan viestillä.",
        "steps_sv": "Öppna ditt projekt i Lupapiste.fi.\n"
                    "Välj Syner och beställ den syn som behövs.\n"
                    "Föreslå en dag och ange kontaktuppgifter.\n"
                    "Byggnadsinspektören bekräftar tiden i ett meddelande.",
        "steps_en": "Open your project in Lupapiste.fi.\n"
                    "Choose Inspections and order the one you need.\n"
                    "Suggest a day and give your contact details.\n"
                    "The building inspector confirms the time in a message.",
        "eservice_url_fi": LUPAPISTE,
        "eservice_url_sv": LUPAPISTE,
        "eservice_url_en": LUPAPISTE,
        "service_code": "building",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "building-drawings",
        "title_fi": "Rakennuspiirustukset arkistosta",
        "title_sv": "Byggnadsritningar ur arkivet",
        "title_en": "Building drawings from the archive",
        "keywords_fi": "piirustukset, pohjapiirustus, pääpiirustukset, lupapiirustukset, arkistotilaus, "
                       "kopio piirustuksista, lupa-arkisto, vanhat luvat, leikkauspiirustus",
        "keywords_sv": "ritningar, planritning, huvudritningar, bygglovsritningar, arkivbeställning, "
                       "kopia av ritningar, bygglovsarkiv, gamla tillstånd",
        "keywords_en": "drawings, floor plan, blueprints, permit drawings, archive order, copies of drawings, "
                       "building records, old permits",
        "answer_fi": "Voit tilata kopiot talon lupapiirustuksista ja muista lupa-asiakirjoista rakennusvalvonnan "
                     "arkistosta. Tilaa ne verkossa; kopiot toimitetaan sähköpostiin. Kopioista peritään maksu.",
        "answer_sv": "Du kan beställa kopior av husets bygglovsritningar och andra tillståndshandlingar ur "
                     "byggnadstillsynens arkiv. Beställ på nätet; kopiorna skickas per e-post. Kopiorna är "
                     "avgiftsbelagda.",
        "answer_en": "You can order copies of a building's permit drawings and other permit documents from building "
                     "control's archive. Order online; the copies come by email. There is a fee for the copies.",
        "bring_fi": "rakennuksen osoite tai kiinteistötunnus\ntieto siitä, mitä piirustuksia tarvitset",
        "bring_sv": "byggnadens adress eller fastighetsbeteckning\nvilka ritningar du behöver",
        "bring_en": "the building's address or property ID\nwhich drawings you need",
        "steps_fi": "Avaa arkistotilausten verkkopalvelu.\n"
                    "Anna rakennuksen osoite tai kiinteistötunnus.\n"
                    "Valitse tarvittavat piirustukset ja maksa tilaus.\n"
                    "Kopiot tulevat sähköpostiisi.",
        "steps_sv": "Öppna e-tjänsten för arkivbeställningar.\n"
                    "Ange byggnadens adress eller fastighetsbeteckning.\n"
                    "Välj ritningarna du behöver och betala beställningen.\n"
                    "Kopiorna kommer till din e-post.",
        "steps_en": "Open the archive order e-service.\n"
                    "Enter the building's address or property ID.\n"
                    "Choose the drawings you need and pay for the order.\n"
                    "The copies come to your email.",
        "eservice_url_fi": f"{CITY}/piirustukset",
        "eservice_url_sv": f"{CITY}/piirustukset",
        "eservice_url_en": f"{CITY}/piirustukset",
        "service_code": "building",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "tree-felling-permit",
        "title_fi": "Puiden kaataminen",
        "title_sv": "Fällning av träd",
        "title_en": "Felling trees",
        "keywords_fi": "puunkaato, puiden kaato, maisematyölupa, tonttipuu, pihapuu, vaarallinen puu, "
                       "kuollut puu, arboristi",
        "keywords_sv": "trädfällning, fälla träd, miljöåtgärdstillstånd, träd på tomten, farligt träd, dött träd, "
                       "arborist",
        "keywords_en": "tree felling, cut down a tree, tree removal, landscape work permit, dangerous tree, "
                       "dead tree, arborist",
        "answer_fi": "Asemakaava-alueella tontin puun kaatamiseen tarvitaan usein lupa. Vaarallisen tai kuolleen "
                     "puun saa yleensä kaataa, kun sen kunto on osoitettu asiantuntijan lausunnolla tai kuvilla. "
                     "Hae lupa tai tee ilmoitus verkossa. Kaupungin maalla kasvavista puista kysy kaupungilta.",
        "answer_sv": "Inom detaljplanerat område behövs ofta tillstånd för att fälla ett träd på tomten. Ett "
                     "farligt eller dött träd får oftast fällas när dess skick har visats med ett utlåtande eller "
                     "foton. Ansök om tillstånd eller gör en anmälan på nätet. Fråga staden om träd på stadens mark.",
        "answer_en": "In a town plan area you often need a permit to fell a tree on your plot. A dangerous or dead "
                     "tree may usually be felled once its condition is shown by an expert's statement or photos. "
                     "Apply for the permit or make a notice online. Ask the city about trees on city land.",
        "bring_fi": "kuvat puusta\ntontin kiinteistötunnus\narboristin lausunto, jos puu on vaarallinen",
        "bring_sv": "foton av trädet\ntomtens fastighetsbeteckning\nen arborists utlåtande om trädet är farligt",
        "bring_en": "photos of the tree\nthe plot's property ID\nan arborist's statement if the tree is dangerous",
        "steps_fi": "Avaa Lupapiste.fi ja valitse puiden kaataminen.\n"
                    "Merkitse puut kartalle ja lisää kuvat.\n"
                    "Jätä hakemus ja odota päätöstä ennen kaatamista.",
        "steps_sv": "Öppna Lupapiste.fi och välj fällning av träd.\n"
                    "Märk ut träden på kartan och lägg till foton.\n"
                    "Lämna in ansökan och vänta på beslutet innan du fäller.",
        "steps_en": "Open Lupapiste.fi and choose felling trees.\n"
                    "Mark the trees on the map and add photos.\n"
                    "Submit the application and wait for the decision before felling.",
        "eservice_url_fi": LUPAPISTE,
        "eservice_url_sv": LUPAPISTE,
        "eservice_url_en": LUPAPISTE,
        "service_code": "building",
        "book": False,
        "topic_position": 0,
    },
    # --- Early childhood education and schools ---
    {
        "key": "daycare-application",
        "title_fi": "Hakeminen varhaiskasvatukseen (päiväkoti)",
        "title_sv": "Ansökan till småbarnspedagogik (daghem)",
        "title_en": "Applying for early childhood education (daycare)",
        "keywords_fi": "päiväkoti, päivähoito, päiväkotipaikka, päivähoitopaikka, varhaiskasvatuspaikka, "
                       "perhepäivähoito, tarha, hoitopaikka, palveluseteli, varhaiskasvatushakemus",
        "keywords_sv": "daghem, dagvård, dagis, daghemsplats, vårdplats, familjedagvård, småbarnspedagogik, "
                       "servicesedel",
        "keywords_en": "daycare, day care, nursery, kindergarten, childcare, family daycare, daycare place, "
                       "service voucher",
        "answer_fi": "Hae lapselle varhaiskasvatuspaikkaa viimeistään neljä kuukautta ennen kuin tarvitset sen. Jos "
                     "tarvitset paikan äkillisesti työn tai opiskelun vuoksi, hakuaika on kaksi viikkoa. Hakemus "
                     "tehdään kaupungin verkkoasioinnissa, ja saat tiedon paikasta viestillä.",
        "answer_sv": "Ansök om en plats i småbarnspedagogik senast fyra månader innan du behöver den. Om du "
                     "plötsligt behöver en plats på grund av arbete eller studier är ansökningstiden två veckor. "
                     "Ansökan görs i stadens e-tjänst, och du får besked om platsen i ett meddelande.",
        "answer_en": "Apply for a place in early childhood education at least four months before you need it. If "
                     "you suddenly need a place because of work or studies, the time is two weeks. Apply in the "
                     "city's e-service; you will be told about the place in a message.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\nlapsen henkilötunnus\n"
                    "toivotut päiväkodit ja aloituspäivä\ntyö- tai opiskelutodistus, jos tarve on kiireellinen",
        "bring_sv": "bankkoder eller mobilcertifikat\nbarnets personbeteckning\nönskade daghem och startdag\n"
                    "arbets- eller studieintyg om behovet är brådskande",
        "bring_en": "online banking codes or a mobile certificate\nthe child's personal identity code\n"
                    "the daycare centres you want and the start date\n"
                    "a certificate of work or studies if the need is urgent",
        "steps_fi": "Avaa varhaiskasvatuksen verkkoasiointi.\n"
                    "Tunnistaudu ja valitse hakemus varhaiskasvatukseen.\n"
                    "Valitse toivotut päiväkodit ja aloituspäivä.\n"
                    "Lähetä hakemus. Saat päätöksen viestillä.",
        "steps_sv": "Öppna e-tjänsten för småbarnspedagogik.\n"
                    "Identifiera dig och välj ansökan till småbarnspedagogik.\n"
                    "Välj önskade daghem och startdag.\n"
                    "Skicka ansökan. Du får beslutet i ett meddelande.",
        "steps_en": "Open the early childhood education e-service.\n"
                    "Identify yourself and choose the application.\n"
                    "Choose the daycare centres you want and the start date.\n"
                    "Send the application. The decision comes in a message.",
        "eservice_url_fi": f"{CITY}/varhaiskasvatus",
        "eservice_url_sv": f"{CITY}/varhaiskasvatus",
        "eservice_url_en": f"{CITY}/varhaiskasvatus",
        "service_code": "early-education",
        "book": False,
        "topic_position": 2,
    },
    {
        "key": "daycare-fees",
        "title_fi": "Varhaiskasvatusmaksut ja tulotiedot",
        "title_sv": "Avgifter för småbarnspedagogik och inkomstuppgifter",
        "title_en": "Daycare fees and income information",
        "keywords_fi": "päivähoitomaksu, päiväkotimaksu, asiakasmaksu, tuloselvitys, tulotiedot, maksupäätös, "
                       "hoitoaika, sisaralennus, korkein maksu, hoitomaksu",
        "keywords_sv": "dagvårdsavgift, daghemsavgift, klientavgift, inkomstutredning, inkomstuppgifter, "
                       "avgiftsbeslut, vårdtid, syskonrabatt, högsta avgift",
        "keywords_en": "daycare fee, daycare payment, client fee, income statement, income details, fee decision, "
                       "hours of care, sibling discount, highest fee",
        "answer_fi": "Varhaiskasvatuksen kuukausimaksu riippuu perheen koosta, tuloista ja hoitoajasta. Ilmoita "
                     "perheen tulot verkossa, kun lapsi aloittaa ja aina, kun tulot muuttuvat yli 10 prosenttia. "
                     "Jos et ilmoita tuloja, maksu on korkein mahdollinen.",
        "answer_sv": "Månadsavgiften för småbarnspedagogik beror på familjens storlek, inkomster och vårdtid. "
                     "Meddela familjens inkomster på nätet när barnet börjar och alltid när de ändras med mer än "
                     "10 procent. Om du inte meddelar inkomsterna blir avgiften den högsta.",
        "answer_en": "The monthly fee for early childhood education depends on the family's size, income and hours "
                     "of care. Report the family's income online when the child starts and whenever it changes by "
                     "more than 10 per cent. If you do not report your income, you pay the highest fee.",
        "bring_fi": "palkkatodistus tai muu selvitys tuloista\npäätökset muista tuloista, kuten Kelan etuuksista\n"
                    "verkkopankkitunnukset tai mobiilivarmenne",
        "bring_sv": "lönespecifikation eller annan utredning om inkomster\n"
                    "beslut om andra inkomster, som FPA:s förmåner\nbankkoder eller mobilcertifikat",
        "bring_en": "a payslip or other proof of income\ndecisions on other income, such as Kela benefits\n"
                    "online banking codes or a mobile certificate",
        "steps_fi": "Avaa varhaiskasvatuksen verkkoasiointi.\n"
                    "Valitse tuloselvitys.\n"
                    "Anna tulot ja liitä tositteet, tai hyväksy korkein maksu.\n"
                    "Saat maksupäätöksen viestillä.",
        "steps_sv": "Öppna e-tjänsten för småbarnspedagogik.\n"
                    "Välj inkomstutredning.\n"
                    "Ange inkomsterna och bifoga verifikat, eller godkänn den högsta avgiften.\n"
                    "Du får avgiftsbeslutet i ett meddelande.",
        "steps_en": "Open the early childhood education e-service.\n"
                    "Choose the income statement.\n"
                    "Enter your income and attach proof, or accept the highest fee.\n"
                    "The fee decision comes in a message.",
        "eservice_url_fi": f"{CITY}/varhaiskasvatus/maksut",
        "eservice_url_sv": f"{CITY}/varhaiskasvatus/maksut",
        "eservice_url_en": f"{CITY}/varhaiskasvatus/maksut",
        "service_code": "early-education",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "preschool-enrolment",
        "title_fi": "Ilmoittautuminen esiopetukseen",
        "title_sv": "Anmälan till förskoleundervisning",
        "title_en": "Enrolling in pre-primary education",
        "keywords_fi": "esiopetus, esikoulu, eskari, esiopetuspaikka, 6-vuotias, kuusivuotias, "
                       "täydentävä varhaiskasvatus",
        "keywords_sv": "förskola, förskoleundervisning, förskoleplats, 6-åring, sexåring, "
                       "kompletterande småbarnspedagogik",
        "keywords_en": "preschool, pre-school, pre-primary, 6-year-old, six-year-old, supplementary daycare",
        "answer_fi": "Esiopetus on maksutonta ja pakollista vuotta ennen koulun alkua, yleensä sinä vuonna, kun "
                     "lapsi täyttää kuusi. Esiopetukseen ilmoittaudutaan tammikuussa kaupungin verkkoasioinnissa. "
                     "Jos lapsi tarvitsee hoitoa myös esiopetuksen lisäksi, hae samalla täydentävää "
                     "varhaiskasvatusta.",
        "answer_sv": "Förskoleundervisningen är avgiftsfri och obligatorisk året innan skolan börjar, oftast det år "
                     "barnet fyller sex. Anmälan görs i januari i stadens e-tjänst. Om barnet också behöver vård "
                     "utöver förskoleundervisningen, ansök samtidigt om kompletterande småbarnspedagogik.",
        "answer_en": "Pre-primary education is free and compulsory in the year before school, usually the year the "
                     "child turns six. Enrolment is in January in the city's e-service. If the child also needs "
                     "care outside pre-primary hours, apply for supplementary early childhood education at the "
                     "same time.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\nlapsen henkilötunnus",
        "bring_sv": "bankkoder eller mobilcertifikat\nbarnets personbeteckning",
        "bring_en": "online banking codes or a mobile certificate\nthe child's personal identity code",
        "steps_fi": "Avaa varhaiskasvatuksen verkkoasiointi.\n"
                    "Valitse ilmoittautuminen esiopetukseen.\n"
                    "Valitse toivottu esiopetuspaikka ja tarvittaessa täydentävä hoito.\n"
                    "Lähetä ilmoittautuminen.",
        "steps_sv": "Öppna e-tjänsten för småbarnspedagogik.\n"
                    "Välj anmälan till förskoleundervisning.\n"
                    "Välj önskad förskoleplats och vid behov kompletterande vård.\n"
                    "Skicka anmälan.",
        "steps_en": "Open the early childhood education e-service.\n"
                    "Choose enrolment in pre-primary education.\n"
                    "Choose the place you want and, if needed, supplementary care.\n"
                    "Send the enrolment.",
        "eservice_url_fi": f"{CITY}/varhaiskasvatus",
        "eservice_url_sv": f"{CITY}/varhaiskasvatus",
        "eservice_url_en": f"{CITY}/varhaiskasvatus",
        "service_code": "early-education",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "club-activities",
        "title_fi": "Lasten kerhot ja avoin varhaiskasvatus",
        "title_sv": "Klubbar för barn och öppen småbarnspedagogik",
        "title_en": "Children's clubs and open early childhood activities",
        "keywords_fi": "kerho, lasten kerho, leikkikerho, perhekerho, avoin päiväkoti, leikkipuisto, "
                       "puistotoiminta, kerhotoiminta, kerhopaikka",
        "keywords_sv": "klubb, barnklubb, lekklubb, familjeklubb, öppet daghem, lekpark, parkverksamhet, klubbplats",
        "keywords_en": "club, children's club, play club, family club, open daycare, playground, park activities, "
                       "club place",
        "answer_fi": "Kerhot ovat lapsille, jotka eivät ole päiväkodissa: leikkiä ja ohjattua toimintaa muutamana "
                     "päivänä viikossa. Leikkipuistoihin ja avoimiin päiväkoteihin voi mennä lapsen kanssa ilman "
                     "ilmoittautumista. Kerhopaikkaa haetaan verkossa, yleensä keväällä syksyn kerhoihin.",
        "answer_sv": "Klubbarna är för barn som inte går i daghem: lek och ledd verksamhet några dagar i veckan. "
                     "Lekparker och öppna daghem kan du besöka med barnet utan anmälan. Klubbplats söks på nätet, "
                     "oftast på våren för höstens klubbar.",
        "answer_en": "Clubs are for children who are not in daycare: play and guided activities a few days a week. "
                     "You can visit playgrounds and open daycare centres with your child without enrolling. Club "
                     "places are applied for online, usually in spring for the autumn clubs.",
        "bring_fi": "lapsen henkilötunnus\nverkkopankkitunnukset tai mobiilivarmenne",
        "bring_sv": "barnets personbeteckning\nbankkoder eller mobilcertifikat",
        "bring_en": "the child's personal identity code\nonline banking codes or a mobile certificate",
        "steps_fi": "Avaa varhaiskasvatuksen verkkoasiointi.\n"
                    "Valitse kerhohakemus ja toivottu kerho.\n"
                    "Lähetä hakemus. Saat tiedon paikasta viestillä.",
        "steps_sv": "Öppna e-tjänsten för småbarnspedagogik.\n"
                    "Välj ansökan till klubb och önskad klubb.\n"
                    "Skicka ansökan. Du får besked om platsen i ett meddelande.",
        "steps_en": "Open the early childhood education e-service.\n"
                    "Choose the club application and the club you want.\n"
                    "Send the application. You are told about the place in a message.",
        "eservice_url_fi": f"{CITY}/kerhot",
        "eservice_url_sv": f"{CITY}/kerhot",
        "eservice_url_en": f"{CITY}/kerhot",
        "service_code": "early-education",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "home-care-allowance",
        "title_fi": "Kotihoidon tuki ja kuntalisä",
        "title_sv": "Hemvårdsstöd och kommuntillägg",
        "title_en": "Child home care allowance",
        "keywords_fi": "kotihoidontuki, kuntalisä, lapsen hoito kotona, Kela, hoitoraha, joustava hoitoraha, "
                       "osittainen hoitoraha, alle 3-vuotias",
        "keywords_sv": "kommuntillägg, vård av barn hemma, FPA, Kela, vårdpenning, flexibel vårdpenning, "
                       "partiell vårdpenning, under 3 år",
        "keywords_en": "home care allowance, caring for a child at home, municipal supplement, Kela, "
                       "flexible care allowance, partial care allowance, under 3",
        "answer_fi": "Kun alle 3-vuotias lapsi hoidetaan kotona eikä hän ole kunnallisessa varhaiskasvatuksessa, "
                     "perhe voi saada Kelan kotihoidon tukea. Tukea haetaan Kelasta, verkossa OmaKelassa. Kaupunki "
                     "voi maksaa tuen päälle kuntalisää; kysy siitä varhaiskasvatuksesta.",
        "answer_sv": "När ett barn under 3 år vårdas hemma och inte går i kommunal småbarnspedagogik kan familjen "
                     "få hemvårdsstöd från FPA. Stödet söks hos FPA, på nätet i MittFPA. Staden kan betala ett "
                     "kommuntillägg utöver stödet; fråga småbarnspedagogiken om det.",
        "answer_en": "When a child under 3 is cared for at home and is not in municipal early childhood education, "
                     "the family can get Kela's child home care allowance. Apply to Kela, online in OmaKela. The "
                     "city may pay a municipal supplement on top; ask early childhood education about it.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\ntiedot perheen tuloista",
        "bring_sv": "bankkoder eller mobilcertifikat\nuppgifter om familjens inkomster",
        "bring_en": "online banking codes or a mobile certificate\ndetails of the family's income",
        "steps_fi": "Avaa Kelan sivu ja kirjaudu OmaKelaan.\n"
                    "Valitse kotihoidon tuen hakemus.\n"
                    "Täytä tiedot lapsesta ja hoitajasta ja lähetä hakemus.",
        "steps_sv": "Öppna FPA:s sida och logga in i MittFPA.\n"
                    "Välj ansökan om hemvårdsstöd.\n"
                    "Fyll i uppgifterna om barnet och den som vårdar och skicka ansökan.",
        "steps_en": "Open Kela's page and log in to OmaKela.\n"
                    "Choose the child home care allowance application.\n"
                    "Fill in the details of the child and the carer and send it.",
        "eservice_url_fi": "https://www.kela.fi/kotihoidon-tuki",
        "eservice_url_sv": "https://www.kela.fi/kotihoidon-tuki",
        "eservice_url_en": "https://www.kela.fi/kotihoidon-tuki",
        "service_code": "early-education",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "school-enrolment",
        "title_fi": "Kouluun ilmoittautuminen",
        "title_sv": "Inskrivning i skolan",
        "title_en": "School enrolment",
        "keywords_fi": "koulu, ekaluokka, koulun aloitus, ensimmäinen luokka, lähikoulu, koulupaikka, koulunvaihto, "
                       "oppilaaksiotto, Wilma, 7-vuotias",
        "keywords_sv": "skola, första klass, skolstart, närskola, skolplats, byta skola, elevantagning, Wilma, "
                       "7-åring",
        "keywords_en": "school, first grade, starting school, local school, school place, change school, "
                       "pupil admission, Wilma, 7-year-old",
        "answer_fi": "Lapsi aloittaa koulun sinä vuonna, kun hän täyttää seitsemän. Kouluun ilmoittaudutaan "
                     "tammi–helmikuussa kaupungin verkkoasioinnissa, ja lapselle osoitetaan lähikoulu. Jos muutatte "
                     "kaupunkiin kesken vuoden, ilmoita lapsi kouluun heti, kun uusi osoite on tiedossa.",
        "answer_sv": "Barnet börjar skolan det år det fyller sju. Inskrivningen görs i januari–februari i stadens "
                     "e-tjänst, och barnet får en närskola. Om ni flyttar till staden mitt i året, anmäl barnet "
                     "till skolan så snart ni vet den nya adressen.",
        "answer_en": "Children start school in the year they turn seven. Enrolment is in January–February in the "
                     "city's e-service, and the child is given a local school. If you move to the city during the "
                     "year, enrol the child as soon as you know your new address.",
        "bring_fi": "lapsen henkilötunnus\nosoite, jossa lapsi asuu\nverkkopankkitunnukset tai mobiilivarmenne",
        "bring_sv": "barnets personbeteckning\nadressen där barnet bor\nbankkoder eller mobilcertifikat",
        "bring_en": "the child's personal identity code\nthe address where the child lives\n"
                    "online banking codes or a mobile certificate",
        "steps_fi": "Avaa opetuksen verkkoasiointi.\n"
                    "Valitse kouluun ilmoittautuminen.\n"
                    "Tarkista lapsen lähikoulu ja hae tarvittaessa toissijaista koulupaikkaa.\n"
                    "Lähetä ilmoittautuminen.",
        "steps_sv": "Öppna e-tjänsten för utbildning.\n"
                    "Välj inskrivning i skolan.\n"
                    "Kontrollera barnets närskola och ansök vid behov om en annan skolplats.\n"
                    "Skicka anmälan.",
        "steps_en": "Open the education e-service.\n"
                    "Choose school enrolment.\n"
                    "Check the child's local school and, if you wish, apply for another school.\n"
                    "Send the enrolment.",
        "eservice_url_fi": f"{CITY}/koulu",
        "eservice_url_sv": f"{CITY}/koulu",
        "eservice_url_en": f"{CITY}/koulu",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "afternoon-activities",
        "title_fi": "Koululaisten aamu- ja iltapäivätoiminta",
        "title_sv": "Morgon- och eftermiddagsverksamhet för skolelever",
        "title_en": "Before- and after-school activities",
        "keywords_fi": "ip-toiminta, ap-toiminta, iltapäivätoiminta, aamupäivätoiminta, koululaisten iltapäivä, "
                       "ekaluokkalainen, tokaluokkalainen, iltapäivähoito",
        "keywords_sv": "eftermiddagsverksamhet, morgonverksamhet, eftis, skolbarn, förstaklassare, andraklassare",
        "keywords_en": "after-school care, afternoon activities, morning activities, after-school programme, "
                       "first-graders, second-graders",
        "answer_fi": "Aamu- ja iltapäivätoiminta on tarkoitettu 1.–2.-luokkalaisille ja erityisen tuen oppilaille. "
                     "Toimintaan haetaan keväällä kaupungin verkkoasioinnissa; kesken vuoden voi hakea, jos "
                     "paikkoja on. Toiminnasta peritään kuukausimaksu.",
        "answer_sv": "Morgon- och eftermiddagsverksamheten är för elever i årskurs 1–2 och elever i behov av "
                     "särskilt stöd. Ansökan görs på våren i stadens e-tjänst; mitt i året kan man söka om det "
                     "finns platser. Verksamheten har en månadsavgift.",
        "answer_en": "Before- and after-school activities are for pupils in grades 1–2 and pupils who need special "
                     "support. Apply in spring in the city's e-service; during the year you can apply if there are "
                     "places. There is a monthly fee.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\nlapsen koulu ja luokka",
        "bring_sv": "bankkoder eller mobilcertifikat\nbarnets skola och klass",
        "bring_en": "online banking codes or a mobile certificate\nthe child's school and class",
        "steps_fi": "Avaa opetuksen verkkoasiointi.\n"
                    "Valitse hakemus aamu- ja iltapäivätoimintaan.\n"
                    "Valitse toimintapaikka ja tarvittavat päivät.\n"
                    "Lähetä hakemus.",
        "steps_sv": "Öppna e-tjänsten för utbildning.\n"
                    "Välj ansökan till morgon- och eftermiddagsverksamhet.\n"
                    "Välj verksamhetsställe och de dagar som behövs.\n"
                    "Skicka ansökan.",
        "steps_en": "Open the education e-service.\n"
                    "Choose the application for before- and after-school activities.\n"
                    "Choose the place and the days you need.\n"
                    "Send the application.",
        "eservice_url_fi": f"{CITY}/koulu",
        "eservice_url_sv": f"{CITY}/koulu",
        "eservice_url_en": f"{CITY}/koulu",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    # --- Payments and invoices ---
    {
        "key": "invoice-question",
        "title_fi": "Kaupungin laskut",
        "title_sv": "Stadens fakturor",
        "title_en": "City invoices",
        "keywords_fi": "lasku, laskutus, eräpäivä, viitenumero, maksumuistutus, virhe laskussa, laskukopio, "
                       "tilinumero, maksaminen, karhu",
        "keywords_sv": "faktura, räkning, förfallodag, referensnummer, betalningspåminnelse, fel i fakturan, "
                       "fakturakopia, kontonummer, betala",
        "keywords_en": "invoice, bill, due date, reference number, payment reminder, mistake in an invoice, "
                       "invoice copy, account number, pay",
        "answer_fi": "Laskussa on eräpäivä, tilinumero ja viitenumero; maksa aina viitenumerolla. Jos laskussa on "
                     "mielestäsi virhe tai se on kadonnut, ota yhteys laskussa mainittuun yhteyshenkilöön tai tule "
                     "palvelupisteeseen. Laskukopion ja laskujesi tilanteen näet myös verkossa.",
        "answer_sv": "På fakturan finns förfallodag, kontonummer och referensnummer; betala alltid med "
                     "referensnumret. Om du tror att fakturan har ett fel eller om den har kommit bort, kontakta "
                     "personen som nämns på fakturan eller kom till servicepunkten. En kopia och läget för dina "
                     "fakturor ser du också på nätet.",
        "answer_en": "An invoice shows the due date, account number and reference number; always pay with the "
                     "reference number. If you think an invoice has a mistake or you have lost it, contact the "
                     "person named on it or come to the service point. You can also see a copy and the status of "
                     "your invoices online.",
        "bring_fi": "lasku tai sen numero\nhenkilöllisyystodistus",
        "bring_sv": "fakturan eller dess nummer\nidentitetsbevis",
        "bring_en": "the invoice or its number\nan ID",
        "steps_fi": "Avaa kaupungin laskujen verkkopalvelu.\n"
                    "Tunnistaudu ja katso laskusi tiedot.\n"
                    "Maksa viitenumerolla tai lähetä kysymys laskusta.",
        "steps_sv": "Öppna stadens e-tjänst för fakturor.\n"
                    "Identifiera dig och se uppgifterna om din faktura.\n"
                    "Betala med referensnumret eller skicka en fråga om fakturan.",
        "steps_en": "Open the city's invoice e-service.\n"
                    "Identify yourself and look at your invoice.\n"
                    "Pay with the reference number or send a question about it.",
        "eservice_url_fi": f"{CITY}/laskut",
        "eservice_url_sv": f"{CITY}/laskut",
        "eservice_url_en": f"{CITY}/laskut",
        "service_code": "payments",
        "book": False,
        "topic_position": 4,
    },
    {
        "key": "payment-plan",
        "title_fi": "Maksuaika ja maksusuunnitelma",
        "title_sv": "Betalningstid och betalningsplan",
        "title_en": "More time to pay and payment plans",
        "keywords_fi": "maksusuunnitelma, lisäaika, eräpäivän siirto, osamaksu, maksuerät, lyhennys, "
                       "maksujärjestely, maksuvaikeudet",
        "keywords_sv": "betalningsplan, anstånd, flytta förfallodagen, avbetalning, rater, betalningssvårigheter",
        "keywords_en": "payment plan, instalments, extension, more time to pay, postpone the due date, "
                       "payment difficulties, unable to pay",
        "answer_fi": "Jos et pysty maksamaan laskua eräpäivään mennessä, pyydä lisäaikaa tai maksusuunnitelmaa "
                     "ennen eräpäivää. Maksun voi usein jakaa useaan erään. Sovittu suunnitelma estää laskun "
                     "siirtymisen perintään.",
        "answer_sv": "Om du inte kan betala fakturan senast på förfallodagen, be om anstånd eller en betalningsplan "
                     "före förfallodagen. Betalningen kan ofta delas i flera rater. En överenskommen plan hindrar "
                     "att fakturan går till indrivning.",
        "answer_en": "If you cannot pay an invoice by the due date, ask for more time or a payment plan before it is "
                     "due. The amount can often be split into several instalments. An agreed plan keeps the "
                     "invoice from going to collection.",
        "bring_fi": "lasku tai sen numero\nehdotus maksuerien suuruudesta",
        "bring_sv": "fakturan eller dess nummer\nett förslag på ratornas storlek",
        "bring_en": "the invoice or its number\na suggestion for the size of the instalments",
        "steps_fi": "Avaa kaupungin laskujen verkkopalvelu.\n"
                    "Valitse lasku ja sitten Maksuaika tai maksusuunnitelma.\n"
                    "Ehdota eriä ja päivämääriä.\n"
                    "Saat vahvistuksen sähköpostiin.",
        "steps_sv": "Öppna stadens e-tjänst för fakturor.\n"
                    "Välj fakturan och sedan Betalningstid eller betalningsplan.\n"
                    "Föreslå rater och datum.\n"
                    "Du får en bekräftelse per e-post.",
        "steps_en": "Open the city's invoice e-service.\n"
                    "Choose the invoice, then More time or payment plan.\n"
                    "Suggest instalments and dates.\n"
                    "You get a confirmation by email.",
        "eservice_url_fi": f"{CITY}/laskut",
        "eservice_url_sv": f"{CITY}/laskut",
        "eservice_url_en": f"{CITY}/laskut",
        "service_code": "payments",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "debt-collection",
        "title_fi": "Perintään siirtynyt lasku",
        "title_sv": "Faktura som gått till indrivning",
        "title_en": "An invoice in debt collection",
        "keywords_fi": "perintä, perintätoimisto, perimiskirje, ulosotto, maksamaton lasku, perintäkulut, "
                       "velka kaupungille",
        "keywords_sv": "indrivning, inkasso, inkassobyrå, utsökning, obetald faktura, indrivningskostnader, "
                       "skuld till staden",
        "keywords_en": "debt collection, collection agency, enforcement, unpaid invoice, collection costs, "
                       "debt to the city",
        "answer_fi": "Maksamaton lasku siirtyy perintätoimistoon, ja siihen lisätään perintäkulut. Perinnässä oleva "
                     "lasku maksetaan perintätoimiston ohjeiden mukaan, ja maksujärjestelystä sovitaan "
                     "perintätoimiston kanssa. Jos saatava on mielestäsi väärä, ilmoita siitä heti.",
        "answer_sv": "En obetald faktura går till en inkassobyrå, och indrivningskostnader läggs till. En faktura i "
                     "indrivning betalas enligt inkassobyråns anvisningar, och en betalningsplan avtalas med "
                     "inkassobyrån. Om du anser att fordran är felaktig, meddela det genast.",
        "answer_en": "An unpaid invoice goes to a collection agency, and collection costs are added. An invoice in "
                     "collection is paid as the agency instructs, and a payment arrangement is agreed with the "
                     "agency. If you think the claim is wrong, tell them at once.",
        "bring_fi": "perintätoimiston kirje\nalkuperäinen lasku, jos se on tallessa",
        "bring_sv": "inkassobyråns brev\nden ursprungliga fakturan om du har den kvar",
        "bring_en": "the collection agency's letter\nthe original invoice if you still have it",
        "steps_fi": "",
        "steps_sv": "",
        "steps_en": "",
        "eservice_url_fi": "",
        "eservice_url_sv": "",
        "eservice_url_en": "",
        "service_code": "payments",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "e-invoice",
        "title_fi": "E-lasku ja suoramaksu",
        "title_sv": "E-faktura och direktbetalning",
        "title_en": "E-invoice and direct payment",
        "keywords_fi": "e-lasku, elasku, suoramaksu, verkkolasku, sähköinen lasku, paperilasku, verkkopankki, "
                       "e-laskusopimus",
        "keywords_sv": "e-faktura, direktbetalning, nätfaktura, elektronisk faktura, pappersfaktura, nätbank, "
                       "e-fakturaavtal",
        "keywords_en": "e-invoice, direct payment, electronic invoice, paperless billing, paper invoice, "
                       "online bank, e-invoice agreement",
        "answer_fi": "Voit saada kaupungin laskut suoraan verkkopankkiisi e-laskuna tai suoramaksuna. Tee "
                     "e-laskusopimus omassa verkkopankissasi ja hae laskuttajaksi kaupunki. Sopimus koskee "
                     "seuraavia laskuja.",
        "answer_sv": "Du kan få stadens fakturor direkt till din nätbank som e-faktura eller direktbetalning. Gör "
                     "ett e-fakturaavtal i din egen nätbank och sök staden som fakturerare. Avtalet gäller "
                     "följande fakturor.",
        "answer_en": "You can get the city's invoices straight to your online bank as e-invoices or direct "
                     "payments. Make an e-invoice agreement in your own online bank and search for the city as the "
                     "biller. The agreement applies to the next invoices.",
        "bring_fi": "verkkopankkitunnukset\nasiakasnumero kaupungin laskulta",
        "bring_sv": "nätbankskoder\nkundnumret från stadens faktura",
        "bring_en": "online banking codes\nthe customer number from a city invoice",
        "steps_fi": "Kirjaudu omaan verkkopankkiisi.\n"
                    "Valitse E-laskut ja hae laskuttajaksi kaupunki.\n"
                    "Anna laskulta asiakasnumero ja hyväksy sopimus.",
        "steps_sv": "Logga in i din nätbank.\n"
                    "Välj E-fakturor och sök staden som fakturerare.\n"
                    "Ange kundnumret från fakturan och godkänn avtalet.",
        "steps_en": "Log in to your online bank.\n"
                    "Choose E-invoices and search for the city as the biller.\n"
                    "Enter the customer number from an invoice and accept the agreement.",
        "eservice_url_fi": f"{CITY}/laskut/e-lasku",
        "eservice_url_sv": f"{CITY}/laskut/e-lasku",
        "eservice_url_en": f"{CITY}/laskut/e-lasku",
        "service_code": "payments",
        "book": False,
        "topic_position": 0,
    },
    # --- Waste ---
    {
        "key": "waste-collection",
        "title_fi": "Jäteastiat ja jätteiden nouto",
        "title_sv": "Sopkärl och sophämtning",
        "title_en": "Bins and waste collection",
        "keywords_fi": "jätehuolto, roska-auto, tyhjennys, jäteastia, roskis, sekajäte, biojäte, tyhjennysväli, "
                       "jätehuoltosopimus, kompostointi-ilmoitus, jätemaksu",
        "keywords_sv": "avfallshantering, sopbil, tömning, sopkärl, blandavfall, bioavfall, tömningsintervall, "
                       "avfallsavtal, kompostanmälan, avfallsavgift",
        "keywords_en": "waste management, bin lorry, emptying, bin, rubbish, garbage, trash, mixed waste, biowaste, "
                       "collection interval, waste contract, composting notice",
        "answer_fi": "Kiinteistön jäteastioiden tyhjennykset ja jätehuoltosopimuksen hoitaa alueen jätehuoltoyhtiö. "
                     "Sen verkkopalvelussa voit muuttaa tyhjennysväliä, tilata lisätyhjennyksen tai ilmoittaa "
                     "tyhjentämättä jääneestä astiasta. Kompostoinnista tehdään ilmoitus samassa palvelussa.",
        "answer_sv": "Tömningen av fastighetens sopkärl och avfallsavtalet sköts av regionens avfallsbolag. I dess "
                     "e-tjänst kan du ändra tömningsintervallet, beställa extra tömning eller meddela om ett kärl "
                     "som inte har tömts. Kompostering anmäls i samma tjänst.",
        "answer_en": "Emptying a property's bins and the waste contract are handled by the regional waste company. "
                     "In its e-service you can change the collection interval, order an extra emptying or report a "
                     "bin that was not emptied. Composting is reported in the same service.",
        "bring_fi": "kiinteistön osoite\nasiakasnumero jätehuollon laskulta",
        "bring_sv": "fastighetens adress\nkundnumret från avfallsfakturan",
        "bring_en": "the property's address\nthe customer number from a waste invoice",
        "steps_fi": "Avaa jätehuollon verkkopalvelu.\n"
                    "Kirjaudu kiinteistön asiakasnumerolla.\n"
                    "Valitse muutos, lisätyhjennys tai ilmoitus ja lähetä se.",
        "steps_sv": "Öppna avfallshanteringens e-tjänst.\n"
                    "Logga in med fastighetens kundnummer.\n"
                    "Välj ändring, extra tömning eller anmälan och skicka den.",
        "steps_en": "Open the waste management e-service.\n"
                    "Log in with the property's customer number.\n"
                    "Choose a change, an extra emptying or a report and send it.",
        "eservice_url_fi": f"{CITY}/jatehuolto",
        "eservice_url_sv": f"{CITY}/jatehuolto",
        "eservice_url_en": f"{CITY}/jatehuolto",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "waste-sorting",
        "title_fi": "Jätteiden lajittelu ja kierrätys",
        "title_sv": "Sortering och återvinning av avfall",
        "title_en": "Sorting waste and recycling",
        "keywords_fi": "lajittelu, kierrätys, kierrätyspiste, ekopiste, muovi, pahvi, kartonki, lasi, metalli, "
                       "biojäte, vaarallinen jäte, paristot, lääkkeet, maalit",
        "keywords_sv": "sortering, återvinning, återvinningspunkt, ekopunkt, plast, papp, kartong, glas, metall, "
                       "bioavfall, farligt avfall, batterier, läkemedel, målfärg",
        "keywords_en": "sorting, recycling, recycling point, plastic, cardboard, glass, metal, biowaste, "
                       "hazardous waste, batteries, medicines, paint",
        "answer_fi": "Lajittele kotona ainakin biojäte, kartonki, lasi, metalli, muovi ja paperi, ja vie ne talon "
                     "astioihin tai lähimpään kierrätyspisteeseen. Vaarallinen jäte, kuten paristot ja maalit, "
                     "viedään keräyspisteeseen ja vanhat lääkkeet apteekkiin. Lajitteluohjeen jokaiselle jätteelle "
                     "löydät verkosta.",
        "answer_sv": "Sortera hemma åtminstone bioavfall, kartong, glas, metall, plast och papper, och för dem till "
                     "husets kärl eller närmaste återvinningspunkt. Farligt avfall, som batterier och målfärg, förs "
                     "till en insamlingspunkt och gamla läkemedel till apoteket. Sorteringsanvisningar för allt "
                     "avfall finns på nätet.",
        "answer_en": "At home, sort at least biowaste, cardboard, glass, metal, plastic and paper, and take them to "
                     "your building's bins or the nearest recycling point. Hazardous waste such as batteries and "
                     "paint goes to a collection point, and old medicines to a pharmacy. Sorting instructions for "
                     "every kind of waste are online.",
        "bring_fi": "",
        "bring_sv": "",
        "bring_en": "",
        "steps_fi": "Avaa jätehuollon lajitteluhaku.\n"
                    "Kirjoita hakuun jätteen nimi.\n"
                    "Katso, mihin astiaan tai keräyspisteeseen se kuuluu.",
        "steps_sv": "Öppna avfallshanteringens sorteringssökning.\n"
                    "Skriv avfallets namn i sökrutan.\n"
                    "Se vilket kärl eller vilken insamlingspunkt det hör till.",
        "steps_en": "Open the waste sorting search.\n"
                    "Type the name of the item.\n"
                    "See which bin or collection point it belongs to.",
        "eservice_url_fi": f"{CITY}/lajittelu",
        "eservice_url_sv": f"{CITY}/lajittelu",
        "eservice_url_en": f"{CITY}/lajittelu",
        "service_code": None,
        "book": False,
        "topic_position": 6,
    },
    {
        "key": "bulky-waste",
        "title_fi": "Suuret jätteet ja jäteasema",
        "title_sv": "Grovavfall och avfallsstation",
        "title_en": "Bulky waste and the waste station",
        "keywords_fi": "suurikokoinen jäte, huonekalut, sohvat, patjat, kodinkoneet, sähkölaitteet, jäteasema, "
                       "kaatopaikka, noutopalvelu, SER-romu",
        "keywords_sv": "grovavfall, möbler, soffor, madrasser, hushållsmaskiner, elektronik, avfallsstation, "
                       "soptipp, hämtning",
        "keywords_en": "bulky waste, large items, furniture, sofas, mattresses, appliances, electronics, "
                       "waste station, tip, dump, pickup",
        "answer_fi": "Isot huonekalut, patjat ja muun suurikokoisen jätteen voit viedä jäteasemalle; pienet määrät "
                     "ovat usein maksuttomia. Kodinkoneita ja elektroniikkaa ottavat vastaan myös niitä myyvät "
                     "kaupat. Jos et pääse itse, tilaa maksullinen nouto verkossa.",
        "answer_sv": "Stora möbler, madrasser och annat grovavfall kan du föra till avfallsstationen; små mängder är "
                     "ofta avgiftsfria. Hushållsmaskiner och elektronik tas också emot av butiker som säljer "
                     "sådana. Om du inte kan föra dem själv, beställ avgiftsbelagd hämtning på nätet.",
        "answer_en": "Large furniture, mattresses and other bulky waste can be taken to the waste station; small "
                     "amounts are often free. Shops that sell appliances and electronics also take old ones back. "
                     "If you cannot take it yourself, order a pickup online for a fee.",
        "bring_fi": "",
        "bring_sv": "",
        "bring_en": "",
        "steps_fi": "Katso jäteaseman aukioloajat ja hinnat verkosta.\n"
                    "Lajittele tavarat valmiiksi ennen kuin lähdet.\n"
                    "Tai tilaa nouto verkossa ja jätä tavarat sovittuun paikkaan.",
        "steps_sv": "Se avfallsstationens öppettider och priser på nätet.\n"
                    "Sortera sakerna innan du åker.\n"
                    "Eller beställ hämtning på nätet och lämna sakerna på den överenskomna platsen.",
        "steps_en": "Check the waste station's opening hours and prices online.\n"
                    "Sort the items before you go.\n"
                    "Or order a pickup online and leave the items at the agreed place.",
        "eservice_url_fi": f"{CITY}/jatehuolto/suuret-jatteet",
        "eservice_url_sv": f"{CITY}/jatehuolto/suuret-jatteet",
        "eservice_url_en": f"{CITY}/jatehuolto/suuret-jatteet",
        "service_code": None,
        "book": False,
        "topic_position": 0,
    },
    # --- Library, culture, sport and the city's spaces ---
    {
        "key": "library-card",
        "title_fi": "Kirjastokortti",
        "title_sv": "Bibliotekskort",
        "title_en": "Library card",
        "keywords_fi": "kirjasto, lainaaminen, PIN-koodi, tunnusluku, kadonnut kortti, lapsen kortti, e-kirjat, "
                       "varaukset, lainojen uusiminen, mobiilikortti",
        "keywords_sv": "bibliotek, låna böcker, PIN-kod, förlorat kort, barnets kort, e-böcker, reservationer, "
                       "förnya lån, mobilkort",
        "keywords_en": "library, borrow books, PIN code, lost card, child's card, e-books, reservations, "
                       "renew loans, mobile card",
        "answer_fi": "Kirjastokortin saa maksutta mistä tahansa kaupungin kirjastosta, kun näytät "
                     "henkilöllisyystodistuksen; alle 15-vuotias tarvitsee huoltajan suostumuksen. Kortin voi "
                     "hankkia myös verkossa vahvalla tunnistautumisella. Unohtuneen PIN-koodin saat uudelleen "
                     "kirjastosta tai verkosta.",
        "answer_sv": "Du får ett bibliotekskort avgiftsfritt i vilket av stadens bibliotek som helst när du visar "
                     "identitetsbevis; barn under 15 år behöver vårdnadshavarens samtycke. Kortet kan också "
                     "skaffas på nätet med stark autentisering. En bortglömd PIN-kod får du på nytt i biblioteket "
                     "eller på nätet.",
        "answer_en": "You get a library card free of charge at any city library by showing an ID; children under 15 "
                     "need a guardian's consent. You can also get the card online with strong identification. If "
                     "you have forgotten your PIN, you get a new one at the library or online.",
        "bring_fi": "henkilöllisyystodistus\nalle 15-vuotiaalle huoltajan suostumus",
        "bring_sv": "identitetsbevis\nvårdnadshavarens samtycke för barn under 15 år",
        "bring_en": "an ID\na guardian's consent for children under 15",
        "steps_fi": "Avaa kirjaston verkkopalvelu.\n"
                    "Valitse Rekisteröidy asiakkaaksi ja tunnistaudu.\n"
                    "Valitse itsellesi PIN-koodi.\n"
                    "Nouda kortti kirjastosta tai käytä mobiilikorttia.",
        "steps_sv": "Öppna bibliotekets e-tjänst.\n"
                    "Välj Registrera dig som kund och identifiera dig.\n"
                    "Välj en PIN-kod.\n"
                    "Hämta kortet i biblioteket eller använd mobilkortet.",
        "steps_en": "Open the library's online service.\n"
                    "Choose Register as a customer and identify yourself.\n"
                    "Choose a PIN code.\n"
                    "Collect the card at a library or use the mobile card.",
        "eservice_url_fi": f"{CITY}/kirjasto",
        "eservice_url_sv": f"{CITY}/kirjasto",
        "eservice_url_en": f"{CITY}/kirjasto",
        "service_code": "advice",
        "book": False,
        "topic_position": 8,
    },
    {
        "key": "culture-card",
        "title_fi": "Kulttuurikortti",
        "title_sv": "Kulturkort",
        "title_en": "Culture card",
        "keywords_fi": "alennus, alennuskortti, pienituloinen, työtön, eläkeläinen, museo, teatteri, uimahalli, "
                       "kulttuuripalvelut, edulliset liput",
        "keywords_sv": "rabatt, rabattkort, låginkomsttagare, arbetslös, pensionär, museum, teater, simhall, "
                       "kulturtjänster, billiga biljetter",
        "keywords_en": "discount, discount card, low income, unemployed, pensioner, museum, theatre, "
                       "swimming hall, culture services, cheap tickets",
        "answer_fi": "Kaupungin kulttuurikortilla pienituloinen, työtön tai eläkkeellä oleva kaupunkilainen saa "
                     "alennusta kaupungin museoista, teatterista ja uimahallista. Kortti haetaan palvelupisteestä, "
                     "ja mukaan tarvitaan selvitys tilanteesta. Kortti on voimassa vuoden kerrallaan.",
        "answer_sv": "Med stadens kulturkort får invånare med låga inkomster, arbetslösa och pensionärer rabatt på "
                     "stadens museer, teater och simhall. Kortet söks på servicepunkten, och du behöver visa en "
                     "utredning om din situation. Kortet gäller ett år i taget.",
        "answer_en": "With the city's culture card, residents on a low income, unemployed people and pensioners get "
                     "discounts at the city's museums, theatre and swimming hall. Apply at the service point with "
                     "proof of your situation. The card is valid for a year at a time.",
        "bring_fi": "henkilöllisyystodistus\npäätös työttömyysetuudesta, eläkkeestä tai toimeentulotuesta",
        "bring_sv": "identitetsbevis\nbeslut om arbetslöshetsförmån, pension eller utkomststöd",
        "bring_en": "an ID\na decision on unemployment benefit, pension or social assistance",
        "steps_fi": "",
        "steps_sv": "",
        "steps_en": "",
        "eservice_url_fi": "",
        "eservice_url_sv": "",
        "eservice_url_en": "",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "sports-facility-booking",
        "title_fi": "Liikuntapaikkojen varaaminen",
        "title_sv": "Bokning av idrottsplatser",
        "title_en": "Booking sports facilities",
        "keywords_fi": "liikuntavuoro, salivuoro, urheiluhalli, jäävuoro, kenttävuoro, pallokenttä, koulujen salit, "
                       "kausivuoro, vuorovaraus, Timmi",
        "keywords_sv": "idrottstur, salstur, idrottshall, istid, planbokning, bollplan, skolornas gymnastiksalar, "
                       "säsongstur, Timmi",
        "keywords_en": "sports hall, gym hall, ice time, field booking, ball field, school gyms, season booking, "
                       "Timmi",
        "answer_fi": "Kaupungin liikuntasalien, kenttien ja jäähallien vuoroja varataan verkossa. Kausivuoroja "
                     "haetaan keväällä seuraavalle kaudelle, ja vapaita yksittäisiä vuoroja voi varata milloin vain. "
                     "Vuorosta laskutetaan varauksen mukaan.",
        "answer_sv": "Turer i stadens idrottssalar, planer och ishallar bokas på nätet. Säsongsturer söks på våren "
                     "för följande säsong, och lediga enskilda turer kan bokas när som helst. Turen faktureras "
                     "enligt bokningen.",
        "answer_en": "Times at the city's sports halls, fields and ice rinks are booked online. Season bookings are "
                     "applied for in spring for the next season; free single slots can be booked at any time. You "
                     "are invoiced for what you book.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\nseuran tai yhdistyksen tiedot, jos varaat sen nimissä",
        "bring_sv": "bankkoder eller mobilcertifikat\nföreningens uppgifter om du bokar i dess namn",
        "bring_en": "online banking codes or a mobile certificate\nyour club's details if you book in its name",
        "steps_fi": "Avaa liikuntapaikkojen varausjärjestelmä.\n"
                    "Hae vapaat vuorot paikan ja päivän mukaan.\n"
                    "Valitse vuoro ja vahvista varaus.\n"
                    "Lasku tulee varauksen jälkeen.",
        "steps_sv": "Öppna bokningssystemet för idrottsplatser.\n"
                    "Sök lediga turer efter plats och dag.\n"
                    "Välj en tur och bekräfta bokningen.\n"
                    "Fakturan kommer efter bokningen.",
        "steps_en": "Open the sports facility booking system.\n"
                    "Search for free slots by place and day.\n"
                    "Choose a slot and confirm the booking.\n"
                    "The invoice follows the booking.",
        "eservice_url_fi": f"{CITY}/liikuntavaraus",
        "eservice_url_sv": f"{CITY}/liikuntavaraus",
        "eservice_url_en": f"{CITY}/liikuntavaraus",
        "service_code": None,
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "event-permit",
        "title_fi": "Tapahtuman järjestäminen",
        "title_sv": "Att ordna ett evenemang",
        "title_en": "Organising an event",
        "keywords_fi": "tapahtumalupa, yleisötilaisuus, ilmoitus poliisille, festivaali, markkinat, ulkotapahtuma, "
                       "tapahtumailmoitus, äänentoisto, pelastussuunnitelma",
        "keywords_sv": "evenemangstillstånd, offentlig tillställning, anmälan till polisen, festival, marknad, "
                       "utomhusevenemang, ljudåtergivning, räddningsplan",
        "keywords_en": "public event, notify the police, festival, market, outdoor event, sound system, "
                       "rescue plan",
        "answer_fi": "Yleisötilaisuudesta tehdään ilmoitus poliisille viimeistään viisi vuorokautta ennen "
                     "tapahtumaa. Kaupungin alueen, kuten puiston tai torin, käyttöön tarvitset lisäksi kaupungin "
                     "luvan. Suuri tapahtuma tarvitsee myös pelastussuunnitelman ja meluilmoituksen.",
        "answer_sv": "En offentlig tillställning ska anmälas till polisen senast fem dygn före evenemanget. För att "
                     "använda stadens område, till exempel en park eller ett torg, behöver du dessutom stadens "
                     "tillstånd. Ett stort evenemang behöver också en räddningsplan och en bulleranmälan.",
        "answer_en": "A public event must be notified to the police at least five days beforehand. To use a city "
                     "area, such as a park or a square, you also need the city's permission. A large event also "
                     "needs a rescue plan and a noise notification.",
        "bring_fi": "tapahtuman aika, paikka ja arvioitu yleisömäärä\nkartta alueen käytöstä\n"
                    "järjestäjän yhteystiedot",
        "bring_sv": "evenemangets tid, plats och uppskattade publik\nkarta över hur området används\n"
                    "arrangörens kontaktuppgifter",
        "bring_en": "the event's time, place and expected audience\na map of how the area is used\n"
                    "the organiser's contact details",
        "steps_fi": "Avaa kaupungin tapahtumalupien verkkopalvelu.\n"
                    "Hae lupa kaupungin alueen käyttöön.\n"
                    "Tee ilmoitus yleisötilaisuudesta poliisille.\n"
                    "Tee tarvittaessa meluilmoitus ja pelastussuunnitelma.",
        "steps_sv": "Öppna stadens e-tjänst för evenemangstillstånd.\n"
                    "Ansök om tillstånd att använda stadens område.\n"
                    "Anmäl den offentliga tillställningen till polisen.\n"
                    "Gör vid behov en bulleranmälan och en räddningsplan.",
        "steps_en": "Open the city's event permit e-service.\n"
                    "Apply for permission to use the city area.\n"
                    "Notify the police of the public event.\n"
                    "If needed, make a noise notification and a rescue plan.",
        "eservice_url_fi": f"{CITY}/tapahtumat",
        "eservice_url_sv": f"{CITY}/tapahtumat",
        "eservice_url_en": f"{CITY}/tapahtumat",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "street-use-permit",
        "title_fi": "Katu- ja puistoalueen käyttölupa",
        "title_sv": "Tillstånd att använda gatu- och parkområde",
        "title_en": "Permit to use a street or park area",
        "keywords_fi": "katulupa, aluevuokraus, kaivulupa, työmaa-alue, telineet, nosturi, terassi, mainosteline, "
                       "katutyö, yleinen alue, jalkakäytävä",
        "keywords_sv": "gatutillstånd, områdeshyra, grävtillstånd, arbetsområde, ställningar, lyftkran, terrass, "
                       "reklamställ, gatuarbete, allmänt område, trottoar",
        "keywords_en": "street permit, area rental, excavation permit, work site, scaffolding, crane, terrace, "
                       "advertising stand, street works, public area, pavement",
        "answer_fi": "Kun tarvitset katua, jalkakäytävää tai puistoa esimerkiksi työmaa-alueeksi, telineille, "
                     "kaivutyöhön tai kesäterassiksi, hae kaupungilta alueen käyttölupa. Hae lupa "
                     "Lupapiste.fi-palvelussa vähintään kaksi viikkoa ennen. Luvasta ja alueen käytöstä peritään "
                     "maksu.",
        "answer_sv": "När du behöver en gata, trottoar eller park till exempel som arbetsområde, för ställningar, "
                     "grävarbete eller en sommarterrass, ansök om tillstånd att använda området hos staden. Ansök "
                     "i Lupapiste.fi minst två veckor i förväg. Tillståndet och användningen av området är "
                     "avgiftsbelagda.",
        "answer_en": "When you need a street, pavement or park, for example for a work site, scaffolding, digging "
                     "or a summer terrace, apply to the city for a permit to use the area. Apply in Lupapiste.fi at "
                     "least two weeks in advance. There is a fee for the permit and the use of the area.",
        "bring_fi": "kartta tai piirros käytettävästä alueesta\nkäytön ajankohta\nvastuuhenkilön yhteystiedot",
        "bring_sv": "karta eller ritning över området\ntidpunkt för användningen\n"
                    "den ansvariga personens kontaktuppgifter",
        "bring_en": "a map or drawing of the area\nwhen it will be used\nthe responsible person's contact details",
        "steps_fi": "Avaa Lupapiste.fi ja valitse yleisten alueiden käyttö.\n"
                    "Piirrä alue kartalle ja kerro ajankohta.\n"
                    "Lähetä hakemus vähintään kaksi viikkoa ennen.",
        "steps_sv": "Öppna Lupapiste.fi och välj användning av allmänna områden.\n"
                    "Rita området på kartan och ange tidpunkten.\n"
                    "Skicka ansökan minst två veckor i förväg.",
        "steps_en": "Open Lupapiste.fi and choose use of public areas.\n"
                    "Draw the area on the map and give the dates.\n"
                    "Send the application at least two weeks in advance.",
        "eservice_url_fi": LUPAPISTE,
        "eservice_url_sv": LUPAPISTE,
        "eservice_url_en": LUPAPISTE,
        "service_code": None,
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "lost-property",
        "title_fi": "Löytötavarat",
        "title_sv": "Hittegods",
        "title_en": "Lost property",
        "keywords_fi": "kadonnut tavara, hukattu, unohtunut tavara, löytötavaratoimisto, löydetty tavara, "
                       "löytötavarapalvelu, kadotin",
        "keywords_sv": "borttappat, förlorat, glömt, hittegodsbyrå, hittat föremål, tappade",
        "keywords_en": "lost and found, lost item, forgotten item, found item, lost belongings, left behind",
        "answer_fi": "Kaupungin toimipisteisiin unohtuneita tavaroita säilytetään palvelupisteessä noin kaksi "
                     "viikkoa, minkä jälkeen ne toimitetaan löytötavaratoimistoon. Kysy tavaraa palvelupisteestä ja "
                     "kerro, missä ja milloin se katosi. Muualle kadonneita tavaroita voit etsiä valtakunnallisesta "
                     "löytötavarapalvelusta.",
        "answer_sv": "Föremål som glömts på stadens verksamhetsställen förvaras på servicepunkten i ungefär två "
                     "veckor och skickas sedan till hittegodsbyrån. Fråga efter föremålet på servicepunkten och "
                     "berätta var och när det försvann. Föremål som försvunnit på annat håll kan du söka i den "
                     "riksomfattande hittegodstjänsten.",
        "answer_en": "Items left at city premises are kept at the service point for about two weeks and then sent "
                     "to the lost property office. Ask at the service point and tell us where and when you lost "
                     "it. Items lost elsewhere you can look for in the national lost property service.",
        "bring_fi": "henkilöllisyystodistus\nkuvaus kadonneesta tavarasta",
        "bring_sv": "identitetsbevis\nen beskrivning av föremålet",
        "bring_en": "an ID\na description of the item",
        "steps_fi": "",
        "steps_sv": "",
        "steps_en": "",
        "eservice_url_fi": "",
        "eservice_url_sv": "",
        "eservice_url_en": "",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "feedback",
        "title_fi": "Palaute ja vikailmoitus kaupungille",
        "title_sv": "Respons och felanmälan till staden",
        "title_en": "Feedback and reporting a fault to the city",
        "keywords_fi": "palaute, vikailmoitus, valitus, kehitysehdotus, kiitos, kuoppa, lumityöt, liukkaus, "
                       "hiekoitus, roskaantuminen, puisto, ilkivalta, valaistus, katu",
        "keywords_sv": "respons, felanmälan, klagomål, förslag, tack, grop, snöröjning, halka, sandning, "
                       "nedskräpning, park, skadegörelse, belysning, gata",
        "keywords_en": "feedback, report a fault, complaint, suggestion, thanks, pothole, snow clearing, slippery, "
                       "gritting, litter, park, vandalism, lighting, street",
        "answer_fi": "Voit antaa kaupungille palautetta ja kehitysehdotuksia tai ilmoittaa viasta, esimerkiksi "
                     "kuopasta, katuvalosta tai liukkaasta kadusta, verkossa. Liitä mukaan kuva ja paikka kartalta, "
                     "niin vika korjataan nopeammin. Saat vastauksen sähköpostiin, jos jätät yhteystietosi.",
        "answer_sv": "Du kan ge staden respons och förslag eller anmäla ett fel, till exempel en grop, en gatlykta "
                     "eller en hal gata, på nätet. Bifoga en bild och platsen på kartan, så åtgärdas felet "
                     "snabbare. Du får svar per e-post om du lämnar dina kontaktuppgifter.",
        "answer_en": "You can give the city feedback and suggestions or report a fault, such as a pothole, a street "
                     "light or a slippery street, online. Add a photo and the place on the map so that it is fixed "
                     "sooner. You get an answer by email if you leave your contact details.",
        "bring_fi": "",
        "bring_sv": "",
        "bring_en": "",
        "steps_fi": "Avaa kaupungin palautepalvelu.\n"
                    "Valitse aihe ja merkitse paikka kartalle.\n"
                    "Kirjoita palaute ja liitä kuva.\n"
                    "Jätä sähköpostiosoite, jos haluat vastauksen.",
        "steps_sv": "Öppna stadens responstjänst.\n"
                    "Välj ämne och märk ut platsen på kartan.\n"
                    "Skriv din respons och bifoga en bild.\n"
                    "Lämna din e-postadress om du vill ha svar.",
        "steps_en": "Open the city's feedback service.\n"
                    "Choose a topic and mark the place on the map.\n"
                    "Write your feedback and add a photo.\n"
                    "Leave your email address if you want an answer.",
        "eservice_url_fi": f"{CITY}/palaute",
        "eservice_url_sv": f"{CITY}/palaute",
        "eservice_url_en": f"{CITY}/palaute",
        "service_code": None,
        "book": False,
        "topic_position": 0,
    },
    # --- Housing ---
    {
        "key": "rental-flat-application",
        "title_fi": "Kaupungin vuokra-asunnot",
        "title_sv": "Stadens hyresbostäder",
        "title_en": "City rental flats",
        "keywords_fi": "vuokra-asunto, asuntohakemus, kaupungin asunto, vuokratalo, ARA-asunto, asunnonhaku, "
                       "kunnallinen asunto, asunnon vaihto",
        "keywords_sv": "hyresbostad, bostadsansökan, stadens bostad, hyreshus, ARA-bostad, söka bostad, "
                       "kommunal bostad, byta bostad",
        "keywords_en": "rental flat, rental apartment, housing application, council flat, city housing, "
                       "apply for a flat, ARA housing, swap flats",
        "answer_fi": "Kaupungin vuokra-asuntoja haetaan kaupungin vuokrataloyhtiön verkkopalvelussa. Asukkaat "
                     "valitaan asunnon tarpeen, tulojen ja varallisuuden perusteella. Hakemus on voimassa kolme "
                     "kuukautta, ja se pitää uusia, jos haluat jatkaa hakua.",
        "answer_sv": "Stadens hyresbostäder söks i det stadsägda hyreshusbolagets e-tjänst. Hyresgästerna väljs "
                     "utifrån bostadsbehov, inkomster och förmögenhet. Ansökan gäller i tre månader och ska förnyas "
                     "om du vill fortsätta söka.",
        "answer_en": "The city's rental flats are applied for in the e-service of the city's housing company. "
                     "Tenants are chosen by need, income and assets. An application is valid for three months and "
                     "must be renewed if you want to keep applying.",
        "bring_fi": "henkilöllisyystodistus\ntiedot kaikkien muuttajien tuloista\n"
                    "oleskelulupa, jos et ole EU-kansalainen",
        "bring_sv": "identitetsbevis\nuppgifter om alla inflyttares inkomster\n"
                    "uppehållstillstånd om du inte är EU-medborgare",
        "bring_en": "an ID\nthe income of everyone moving in\na residence permit if you are not an EU citizen",
        "steps_fi": "Avaa vuokra-asuntojen hakupalvelu.\n"
                    "Täytä asuntohakemus kaikkien muuttajien tiedoilla.\n"
                    "Valitse toivotut alueet ja asunnon koko.\n"
                    "Uusi hakemus kolmen kuukauden välein.",
        "steps_sv": "Öppna ansökningstjänsten för hyresbostäder.\n"
                    "Fyll i bostadsansökan med uppgifter om alla som flyttar in.\n"
                    "Välj önskade områden och bostadens storlek.\n"
                    "Förnya ansökan var tredje månad.",
        "steps_en": "Open the rental flat application service.\n"
                    "Fill in the application with everyone moving in.\n"
                    "Choose the areas and the size of flat you want.\n"
                    "Renew the application every three months.",
        "eservice_url_fi": f"{CITY}/vuokra-asunnot",
        "eservice_url_sv": f"{CITY}/vuokra-asunnot",
        "eservice_url_en": f"{CITY}/vuokra-asunnot",
        "service_code": "housing",
        "book": False,
        "topic_position": 5,
    },
    {
        "key": "housing-allowance",
        "title_fi": "Asumistuki (Kela)",
        "title_sv": "Bostadsbidrag (FPA)",
        "title_en": "Housing allowance (Kela)",
        "keywords_fi": "yleinen asumistuki, Kela, vuokra, eläkkeensaajan asumistuki, tuki vuokraan, asumiskulut, "
                       "OmaKela, asumislisä",
        "keywords_sv": "allmänt bostadsbidrag, FPA, Kela, hyra, bostadsbidrag för pensionstagare, boendekostnader, "
                       "MittFPA, bostadstillägg",
        "keywords_en": "housing benefit, Kela, rent support, pensioner's housing allowance, housing costs, OmaKela, "
                       "housing supplement",
        "answer_fi": "Asumistukea haetaan Kelasta, ei kaupungilta. Yleistä asumistukea voi saada pienituloinen "
                     "ruokakunta, joka asuu vuokralla tai asumisoikeusasunnossa; eläkeläisillä on oma asumistukensa. "
                     "Hae tukea OmaKelassa ja liitä vuokrasopimus. Palvelupisteessä autamme hakemuksen tekemisessä.",
        "answer_sv": "Bostadsbidrag söks hos FPA, inte hos staden. Allmänt bostadsbidrag kan beviljas hushåll med "
                     "låga inkomster som bor på hyra eller i en bostadsrättsbostad; pensionärer har ett eget "
                     "bostadsbidrag. Ansök i MittFPA och bifoga hyresavtalet. På servicepunkten hjälper vi dig med "
                     "ansökan.",
        "answer_en": "Housing allowance is applied for from Kela, not from the city. Households on a low income "
                     "renting or living in a right-of-occupancy flat can get general housing allowance; pensioners "
                     "have their own. Apply in OmaKela and attach your lease. At the service point we can help you "
                     "with the application.",
        "bring_fi": "vuokrasopimus\ntiedot ruokakunnan tuloista\nverkkopankkitunnukset tai mobiilivarmenne",
        "bring_sv": "hyresavtal\nuppgifter om hushållets inkomster\nbankkoder eller mobilcertifikat",
        "bring_en": "your lease\nthe household's income\nonline banking codes or a mobile certificate",
        "steps_fi": "Avaa Kelan asumistuen sivu ja kirjaudu OmaKelaan.\n"
                    "Valitse yleisen asumistuen hakemus.\n"
                    "Täytä tiedot asunnosta ja tuloista.\n"
                    "Liitä vuokrasopimus ja lähetä hakemus.",
        "steps_sv": "Öppna FPA:s sida om bostadsbidrag och logga in i MittFPA.\n"
                    "Välj ansökan om allmänt bostadsbidrag.\n"
                    "Fyll i uppgifterna om bostaden och inkomsterna.\n"
                    "Bifoga hyresavtalet och skicka ansökan.",
        "steps_en": "Open Kela's housing allowance page and log in to OmaKela.\n"
                    "Choose the general housing allowance application.\n"
                    "Fill in the details of your home and income.\n"
                    "Attach your lease and send the application.",
        "eservice_url_fi": "https://www.kela.fi/yleinen-asumistuki",
        "eservice_url_sv": "https://www.kela.fi/yleinen-asumistuki",
        "eservice_url_en": "https://www.kela.fi/yleinen-asumistuki",
        "service_code": "housing",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "housing-advice",
        "title_fi": "Asumisneuvonta",
        "title_sv": "Bostadsrådgivning",
        "title_en": "Housing advice",
        "keywords_fi": "vuokravelka, maksamaton vuokra, häätö, asunnottomuus, asunnon menetys, asumisongelmat, "
                       "naapuririita, vuokranantaja",
        "keywords_sv": "hyresskuld, obetald hyra, vräkning, bostadslöshet, förlora bostaden, boendeproblem, "
                       "grannkonflikt, hyresvärd",
        "keywords_en": "rent arrears, unpaid rent, eviction, homelessness, losing your home, housing problems, "
                       "neighbour dispute, landlord, housing counsellor",
        "answer_fi": "Asumisneuvoja auttaa, jos vuokra on jäänyt maksamatta, uhkaa häätö tai asumisessa on muita "
                     "ongelmia. Neuvonta on maksutonta ja luottamuksellista. Varaa aika asumisneuvojalle: mitä "
                     "aiemmin otat yhteyttä, sitä useampi ratkaisu on vielä mahdollinen.",
        "answer_sv": "Bostadsrådgivaren hjälper om hyran har blivit obetald, om du hotas av vräkning eller om du "
                     "har andra problem med boendet. Rådgivningen är avgiftsfri och konfidentiell. Boka tid hos "
                     "bostadsrådgivaren: ju tidigare du tar kontakt, desto fler lösningar är ännu möjliga.",
        "answer_en": "The housing counsellor helps if rent has gone unpaid, you face eviction or you have other "
                     "problems with housing. The advice is free and confidential. Book a time with the counsellor: "
                     "the sooner you get in touch, the more can still be done.",
        "bring_fi": "vuokrasopimus\nvuokranantajan kirjeet ja laskut\ntiedot tuloista ja menoista",
        "bring_sv": "hyresavtal\nhyresvärdens brev och fakturor\nuppgifter om inkomster och utgifter",
        "bring_en": "your lease\nthe landlord's letters and invoices\nyour income and expenses",
        "steps_fi": "",
        "steps_sv": "",
        "steps_en": "",
        "eservice_url_fi": "",
        "eservice_url_sv": "",
        "eservice_url_en": "",
        "service_code": "housing",
        "book": True,
        "topic_position": 0,
    },
    {
        "key": "right-of-occupancy",
        "title_fi": "Asumisoikeusasunnot",
        "title_sv": "Bostadsrättsbostäder",
        "title_en": "Right-of-occupancy flats",
        "keywords_fi": "asumisoikeus, ASO-asunto, järjestysnumero, asumisoikeusmaksu, Varke, ARA",
        "keywords_sv": "bostadsrätt, köordningsnummer, ordningsnummer, bostadsrättsavgift, Varke, ARA",
        "keywords_en": "right of occupancy, ASO flat, queue number, ordinal number, right-of-occupancy payment, "
                       "Varke, ARA",
        "answer_fi": "Asumisoikeusasuntoa haetaan järjestysnumerolla, jonka saat verkossa valtakunnallisesta "
                     "järjestysnumerorekisteristä (Varke). Numero on maksullinen ja voimassa kaksi vuotta. Sen "
                     "jälkeen haet asuntoa suoraan asumisoikeusyhteisöiltä.",
        "answer_sv": "En bostadsrättsbostad söks med ett köordningsnummer som du får på nätet ur det "
                     "riksomfattande registret (Varke). Numret är avgiftsbelagt och gäller i två år. Därefter söker "
                     "du bostad direkt hos bostadsrättssammanslutningarna.",
        "answer_en": "A right-of-occupancy flat is applied for with a queue number, which you get online from the "
                     "national register (Varke). The number costs a fee and is valid for two years. You then apply "
                     "for flats directly from the housing companies that offer them.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\nmaksukortti tai verkkopankki",
        "bring_sv": "bankkoder eller mobilcertifikat\nbetalkort eller nätbank",
        "bring_en": "online banking codes or a mobile certificate\na payment card or online bank",
        "steps_fi": "Avaa järjestysnumerorekisteri.\n"
                    "Tunnistaudu ja täytä hakemus.\n"
                    "Maksa numero, niin saat sen heti.\n"
                    "Hae asuntoja asumisoikeusyhteisöiltä numerollasi.",
        "steps_sv": "Öppna registret för köordningsnummer.\n"
                    "Identifiera dig och fyll i ansökan.\n"
                    "Betala numret, så får du det genast.\n"
                    "Sök bostäder hos sammanslutningarna med ditt nummer.",
        "steps_en": "Open the queue number register.\n"
                    "Identify yourself and fill in the application.\n"
                    "Pay for the number and you get it at once.\n"
                    "Apply for flats from the housing companies with your number.",
        "eservice_url_fi": "https://www.varke.fi/",
        "eservice_url_sv": "https://www.varke.fi/",
        "eservice_url_en": "https://www.varke.fi/",
        "service_code": "housing",
        "book": False,
        "topic_position": 0,
    },
    # --- National matters the city's point guides to (DVV, Vero) ---
    {
        "key": "marriage",
        "title_fi": "Avioliitto ja vihkiminen",
        "title_sv": "Äktenskap och vigsel",
        "title_en": "Marriage and weddings",
        "keywords_fi": "naimisiin, vihkiminen, siviilivihkiminen, esteiden tutkinta, maistraatti, DVV, häät, "
                       "rekisteröity parisuhde, vihkiaika",
        "keywords_sv": "gifta sig, vigsel, borgerlig vigsel, hindersprövning, magistraten, MDB, bröllop, "
                       "registrerat partnerskap",
        "keywords_en": "wedding, civil wedding, get married, impediments to marriage, DVV, registry office, "
                       "registered partnership",
        "answer_fi": "Ennen vihkimistä Digi- ja väestötietovirasto (DVV) tutkii avioliiton esteet; pyydä tutkinta "
                     "verkossa aikaisintaan neljä kuukautta ennen vihkipäivää. Myös siviilivihkiminen varataan "
                     "DVV:ltä. Kaupungin palvelupiste ei hoida vihkimisiä.",
        "answer_sv": "Före vigseln gör Myndigheten för digitalisering och befolkningsdata (MDB) en "
                     "hindersprövning; begär den på nätet tidigast fyra månader före vigseldagen. Också borgerlig "
                     "vigsel bokas hos MDB. Stadens servicepunkt sköter inte vigslar.",
        "answer_en": "Before a wedding, the Digital and Population Data Services Agency (DVV) examines impediments "
                     "to the marriage; request it online no earlier than four months before the day. Civil "
                     "weddings are also booked with DVV. The city's service point does not arrange weddings.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\nmolempien puolisoiden tiedot\n"
                    "siviilisäätytodistus, jos toinen teistä on ulkomaalainen",
        "bring_sv": "bankkoder eller mobilcertifikat\nuppgifter om båda makarna\n"
                    "intyg om civilstånd om en av er är utländsk medborgare",
        "bring_en": "online banking codes or a mobile certificate\ndetails of both partners\n"
                    "a certificate of marital status if one of you is a foreign citizen",
        "steps_fi": "Avaa DVV:n sivu avioliiton esteiden tutkinnasta.\n"
                    "Täyttäkää pyyntö ja ilmoittakaa valitsemanne sukunimi.\n"
                    "Varatkaa vihkiaika DVV:ltä tai sopikaa vihkijän kanssa.",
        "steps_sv": "Öppna MDB:s sida om hindersprövning.\n"
                    "Fyll i begäran och meddela det efternamn ni har valt.\n"
                    "Boka vigseltid hos MDB eller kom överens med vigselförrättaren.",
        "steps_en": "Open DVV's page on the examination of impediments to marriage.\n"
                    "Fill in the request and give the surname you have chosen.\n"
                    "Book a wedding time with DVV or agree with your officiant.",
        "eservice_url_fi": "https://dvv.fi/avioliiton-esteiden-tutkinta",
        "eservice_url_sv": "https://dvv.fi/avioliiton-esteiden-tutkinta",
        "eservice_url_en": "https://dvv.fi/avioliiton-esteiden-tutkinta",
        "service_code": None,
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "name-change",
        "title_fi": "Nimen muuttaminen",
        "title_sv": "Byte av namn",
        "title_en": "Changing your name",
        "keywords_fi": "nimenmuutos, sukunimi, etunimi, nimen vaihto, tyttönimi, nimenmuutoshakemus, DVV",
        "keywords_sv": "namnändring, efternamn, förnamn, namnbyte, flicknamn, MDB",
        "keywords_en": "name change, surname, first name, last name, maiden name, DVV",
        "answer_fi": "Etu- tai sukunimen muutosta haetaan verkossa Digi- ja väestötietovirastolta (DVV). Käsittely "
                     "on maksullinen ja kestää muutamasta viikosta kuukausiin. Avioliiton yhteydessä sukunimi "
                     "ilmoitetaan esteiden tutkinnassa, eikä erillistä hakemusta tarvita.",
        "answer_sv": "Byte av förnamn eller efternamn söks på nätet hos Myndigheten för digitalisering och "
                     "befolkningsdata (MDB). Behandlingen är avgiftsbelagd och tar från några veckor till månader. "
                     "Vid äktenskap meddelas efternamnet i hindersprövningen, och ingen separat ansökan behövs.",
        "answer_en": "A change of first name or surname is applied for online from the Digital and Population Data "
                     "Services Agency (DVV). It costs a fee and takes from a few weeks to months. When you marry, "
                     "the surname is given in the examination of impediments, so no separate application is needed.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\nperustelut uudelle nimelle",
        "bring_sv": "bankkoder eller mobilcertifikat\nmotivering till det nya namnet",
        "bring_en": "online banking codes or a mobile certificate\nyour reasons for the new name",
        "steps_fi": "Avaa DVV:n sivusto ja nimenmuutoksen palvelu.\n"
                    "Tunnistaudu ja täytä hakemus.\n"
                    "Maksa käsittelymaksu. Päätös tulee postissa.",
        "steps_sv": "Öppna MDB:s webbplats och tjänsten för namnbyte.\n"
                    "Identifiera dig och fyll i ansökan.\n"
                    "Betala behandlingsavgiften. Beslutet kommer per post.",
        "steps_en": "Open DVV's website and its name change service.\n"
                    "Identify yourself and fill in the application.\n"
                    "Pay the fee. The decision comes by post.",
        "eservice_url_fi": "https://dvv.fi/",
        "eservice_url_sv": "https://dvv.fi/sv/",
        "eservice_url_en": "https://dvv.fi/en/",
        "service_code": None,
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "moving-notice",
        "title_fi": "Muuttoilmoitus",
        "title_sv": "Flyttanmälan",
        "title_en": "Notice of move",
        "keywords_fi": "muutto, osoitteenmuutos, uusi osoite, muuttaminen, Posti, DVV, kotikunta",
        "keywords_sv": "flytt, adressändring, ny adress, flytta, Posten, MDB, hemkommun",
        "keywords_en": "moving, change of address, new address, relocation, Posti, DVV, municipality of residence",
        "answer_fi": "Muuttoilmoitus tehdään verkossa yhdellä kertaa Digi- ja väestötietovirastolle (DVV) ja "
                     "Postille. Tee ilmoitus aikaisintaan kuukautta ennen muuttoa ja viimeistään viikon kuluttua "
                     "siitä. Uusi osoite välittyy myös Kelalle, Verohallinnolle ja kaupungille.",
        "answer_sv": "Flyttanmälan görs på nätet på en gång till Myndigheten för digitalisering och befolkningsdata "
                     "(MDB) och Posten. Gör anmälan tidigast en månad före flytten och senast en vecka efter den. "
                     "Den nya adressen går också till FPA, Skatteförvaltningen och staden.",
        "answer_en": "A notice of move is made online to the Digital and Population Data Services Agency (DVV) and "
                     "Posti at the same time. Make it no earlier than a month before you move and no later than a "
                     "week after. The new address also reaches Kela, the Tax Administration and the city.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\nuusi osoite ja muuttopäivä\n"
                    "mukana muuttavien tiedot",
        "bring_sv": "bankkoder eller mobilcertifikat\nny adress och flyttdag\nuppgifter om dem som flyttar med",
        "bring_en": "online banking codes or a mobile certificate\nthe new address and moving day\n"
                    "details of those moving with you",
        "steps_fi": "Avaa DVV:n muuttoilmoituspalvelu.\n"
                    "Tunnistaudu ja anna uusi osoite ja muuttopäivä.\n"
                    "Lisää mukana muuttavat perheenjäsenet.\n"
                    "Lähetä ilmoitus.",
        "steps_sv": "Öppna MDB:s tjänst för flyttanmälan.\n"
                    "Identifiera dig och ange ny adress och flyttdag.\n"
                    "Lägg till familjemedlemmar som flyttar med.\n"
                    "Skicka anmälan.",
        "steps_en": "Open DVV's notice of move service.\n"
                    "Identify yourself and enter the new address and moving day.\n"
                    "Add the family members moving with you.\n"
                    "Send the notice.",
        "eservice_url_fi": "https://dvv.fi/muutto-suomessa",
        "eservice_url_sv": "https://dvv.fi/muutto-suomessa",
        "eservice_url_en": "https://dvv.fi/muutto-suomessa",
        "service_code": None,
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "tax-card",
        "title_fi": "Verokortti",
        "title_sv": "Skattekort",
        "title_en": "Tax card",
        "keywords_fi": "muutosverokortti, veroprosentti, OmaVero, Verohallinto, vero, verotus, veroilmoitus, "
                       "palkka",
        "keywords_sv": "ändringsskattekort, skatteprocent, MinSkatt, Skatteförvaltningen, skatt, beskattning, "
                       "skattedeklaration, lön",
        "keywords_en": "revised tax card, tax rate, MyTax, OmaVero, Tax Administration, tax, taxation, tax return, "
                       "salary",
        "answer_fi": "Verokortin ja muutosverokortin saat Verohallinnon OmaVero-palvelusta. Muuta "
                     "veroprosenttia, jos tulosi muuttuvat. Työnantaja saa verokortin tiedot suoraan "
                     "Verohallinnolta. Kaupunki ei hoida verotusta.",
        "answer_sv": "Skattekort och ändringsskattekort får du i Skatteförvaltningens tjänst MinSkatt. Ändra "
                     "skatteprocenten om dina inkomster ändras. Arbetsgivaren får skattekortets uppgifter direkt "
                     "av Skatteförvaltningen. Staden sköter inte beskattningen.",
        "answer_en": "You get a tax card and a revised tax card in the Tax Administration's MyTax service. Change "
                     "your tax rate if your income changes. Your employer gets the tax card details directly from "
                     "the Tax Administration. The city does not handle taxation.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\narvio vuoden tuloista",
        "bring_sv": "bankkoder eller mobilcertifikat\nen uppskattning av årets inkomster",
        "bring_en": "online banking codes or a mobile certificate\nan estimate of this year's income",
        "steps_fi": "Kirjaudu OmaVeroon.\n"
                    "Valitse Verokortti ja tee muutosverokortti.\n"
                    "Anna arvio vuoden tuloista.\n"
                    "Tallenna tai tulosta uusi verokortti.",
        "steps_sv": "Logga in i MinSkatt.\n"
                    "Välj Skattekort och gör ett ändringsskattekort.\n"
                    "Ange en uppskattning av årets inkomster.\n"
                    "Spara eller skriv ut det nya skattekortet.",
        "steps_en": "Log in to MyTax.\n"
                    "Choose Tax card and make a revised tax card.\n"
                    "Give an estimate of this year's income.\n"
                    "Save or print the new tax card.",
        "eservice_url_fi": "https://www.vero.fi/omavero",
        "eservice_url_sv": "https://www.vero.fi/sv/",
        "eservice_url_en": "https://www.vero.fi/en/",
        "service_code": None,
        "book": False,
        "topic_position": 0,
    },
    # --- E-services ---
    {
        "key": "e-identification",
        "title_fi": "Vahva tunnistautuminen ja kirjautumisongelmat",
        "title_sv": "Stark autentisering och problem med inloggning",
        "title_en": "Strong identification and login problems",
        "keywords_fi": "tunnistautuminen, pankkitunnukset, verkkopankkitunnukset, mobiilivarmenne, henkilökortti, "
                       "kortinlukija, kirjautuminen, Suomi.fi-tunnistus, tunnukset, sisäänkirjautuminen",
        "keywords_sv": "identifiering, autentisering, bankkoder, nätbankskoder, mobilcertifikat, identitetskort, "
                       "kortläsare, inloggning, Suomi.fi-identifikation",
        "keywords_en": "identification, login, online banking codes, bank ID, mobile certificate, ID card, "
                       "card reader, sign in, Suomi.fi identification",
        "answer_fi": "Useimpiin sähköisiin palveluihin kirjaudutaan verkkopankkitunnuksilla, mobiilivarmenteella "
                     "tai henkilökortilla. Jos tunnistautuminen ei onnistu, tarkista pankkitunnukset pankistasi ja "
                     "mobiilivarmenne puhelinoperaattoriltasi. Sähköisen asioinnin tuki neuvoo kirjautumisessa, ja "
                     "voit kokeilla sitä asiakaskoneella.",
        "answer_sv": "I de flesta e-tjänster loggar du in med nätbankskoder, mobilcertifikat eller identitetskort. "
                     "Om identifieringen inte lyckas, kontrollera bankkoderna med din bank och mobilcertifikatet "
                     "med din teleoperatör. Hjälpen med e-tjänster ger råd om inloggningen, och du kan pröva på en "
                     "kunddator.",
        "answer_en": "Most e-services are logged in to with online banking codes, a mobile certificate or an ID "
                     "card. If identification fails, check your banking codes with your bank and the mobile "
                     "certificate with your phone operator. Help with e-services can guide you, and you can try it "
                     "on a customer computer.",
        "bring_fi": "henkilöllisyystodistus\npankkitunnukset tai puhelin, jossa on mobiilivarmenne",
        "bring_sv": "identitetsbevis\nbankkoder eller en telefon med mobilcertifikat",
        "bring_en": "an ID\nyour banking codes or a phone with a mobile certificate",
        "steps_fi": "Avaa Suomi.fi ja sen ohjeet tunnistautumiseen.\n"
                    "Valitse tapa: pankkitunnukset, mobiilivarmenne tai henkilökortti.\n"
                    "Jos tunnus ei toimi, ota yhteys pankkiin tai operaattoriin.",
        "steps_sv": "Öppna Suomi.fi och dess anvisningar om identifiering.\n"
                    "Välj sätt: bankkoder, mobilcertifikat eller identitetskort.\n"
                    "Om det inte fungerar, kontakta banken eller operatören.",
        "steps_en": "Open Suomi.fi and its instructions on identification.\n"
                    "Choose a way: banking codes, mobile certificate or ID card.\n"
                    "If it does not work, contact your bank or phone operator.",
        "eservice_url_fi": "https://www.suomi.fi/",
        "eservice_url_sv": "https://www.suomi.fi/",
        "eservice_url_en": "https://www.suomi.fi/",
        "service_code": "e-services",
        "book": False,
        "topic_position": 7,
    },
    {
        "key": "suomifi-messages",
        "title_fi": "Suomi.fi-viestit",
        "title_sv": "Suomi.fi-meddelanden",
        "title_en": "Suomi.fi Messages",
        "keywords_fi": "viestit, viranomaisten kirjeet, sähköinen posti, paperiposti, digitaalinen postilaatikko, "
                       "Suomi.fi, posti viranomaisilta",
        "keywords_sv": "meddelanden, myndigheternas brev, elektronisk post, pappersbrev, digital brevlåda, Suomi.fi",
        "keywords_en": "messages, letters from authorities, electronic post, paper letters, digital mailbox, "
                       "Suomi.fi",
        "answer_fi": "Suomi.fi-viesteillä saat viranomaisten kirjeet sähköisesti paperipostin sijaan. Otat palvelun "
                     "käyttöön kirjautumalla Suomi.fi-verkkopalveluun. Saat ilmoituksen sähköpostiin, kun uusi viesti "
                     "tulee, ja viestejä voi lukea myös puhelimen sovelluksella.",
        "answer_sv": "Med Suomi.fi-meddelanden får du myndigheternas brev elektroniskt i stället för på papper. Du "
                     "tar tjänsten i bruk genom att logga in på Suomi.fi. Du får ett e-postmeddelande när ett nytt "
                     "meddelande kommer, och meddelandena kan också läsas i en mobilapp.",
        "answer_en": "With Suomi.fi Messages you get letters from the authorities electronically instead of on "
                     "paper. You start using it by logging in to Suomi.fi. You get an email when a new message "
                     "arrives, and the messages can also be read in a phone app.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\nsähköpostiosoite",
        "bring_sv": "bankkoder eller mobilcertifikat\ne-postadress",
        "bring_en": "online banking codes or a mobile certificate\nan email address",
        "steps_fi": "Avaa Suomi.fi-viestit ja tunnistaudu.\n"
                    "Ota Viestit käyttöön ja anna sähköpostiosoitteesi.\n"
                    "Lue viestit verkossa tai sovelluksella.",
        "steps_sv": "Öppna Suomi.fi-meddelanden och identifiera dig.\n"
                    "Ta Meddelanden i bruk och ange din e-postadress.\n"
                    "Läs meddelandena på nätet eller i appen.",
        "steps_en": "Open Suomi.fi Messages and identify yourself.\n"
                    "Start using Messages and give your email address.\n"
                    "Read your messages online or in the app.",
        "eservice_url_fi": "https://www.suomi.fi/viestit",
        "eservice_url_sv": "https://www.suomi.fi/meddelanden",
        "eservice_url_en": "https://www.suomi.fi/messages",
        "service_code": "e-services",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "suomifi-authorisations",
        "title_fi": "Asiointi toisen puolesta (Suomi.fi-valtuudet)",
        "title_sv": "Sköta ärenden för någon annan (Suomi.fi-fullmakter)",
        "title_en": "Acting on behalf of someone else (Suomi.fi e-Authorizations)",
        "keywords_fi": "valtuudet, valtuutus, valtakirja, toisen puolesta, omainen, vanhempi, yritys, edunvalvonta",
        "keywords_sv": "fullmakt, fullmakter, för någon annans räkning, anhörig, förälder, företag, intressebevakning",
        "keywords_en": "authorisation, authorization, power of attorney, on someone's behalf, relative, parent, "
                       "company, guardianship",
        "answer_fi": "Suomi.fi-valtuuksilla voit asioida verkossa toisen henkilön tai yrityksen puolesta, esimerkiksi "
                     "ikääntyneen vanhempasi. Valtuuttaja antaa valtuuden itse verkossa; jos hän ei pysty siihen, "
                     "valtuutta haetaan DVV:ltä allekirjoitetulla valtakirjalla. Huoltaja voi asioida alaikäisen "
                     "lapsensa puolesta ilman erillistä valtuutta.",
        "answer_sv": "Med Suomi.fi-fullmakter kan du sköta ärenden på nätet för en annan person eller ett företag, "
                     "till exempel din äldre förälder. Den som ger fullmakten gör det själv på nätet; om hen inte "
                     "kan det, ansöks fullmakten hos MDB med en undertecknad fullmakt. Vårdnadshavare kan sköta "
                     "ärenden för sitt minderåriga barn utan separat fullmakt.",
        "answer_en": "With Suomi.fi e-Authorizations you can act online for another person or a company, such as an "
                     "elderly parent. The person giving the authorisation does it online; if they cannot, it is "
                     "applied for from DVV with a signed power of attorney. Guardians can act for their underage "
                     "children without a separate authorisation.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\n"
                    "allekirjoitettu valtakirja, jos valtuuttaja ei voi asioida verkossa",
        "bring_sv": "bankkoder eller mobilcertifikat\nen undertecknad fullmakt om fullmaktsgivaren inte kan "
                    "använda e-tjänster",
        "bring_en": "online banking codes or a mobile certificate\n"
                    "a signed power of attorney if the person cannot use online services",
        "steps_fi": "Valtuuttaja avaa Suomi.fi-valtuudet ja tunnistautuu.\n"
                    "Hän valitsee, kenelle ja mihin asioihin valtuus annetaan.\n"
                    "Valtuutettu hyväksyy valtuuden ja voi asioida heti.",
        "steps_sv": "Fullmaktsgivaren öppnar Suomi.fi-fullmakter och identifierar sig.\n"
                    "Hen väljer åt vem och för vilka ärenden fullmakten ges.\n"
                    "Den befullmäktigade godkänner fullmakten och kan genast sköta ärenden.",
        "steps_en": "The person giving the authorisation opens Suomi.fi e-Authorizations and identifies themselves.\n"
                    "They choose who is authorised and for which matters.\n"
                    "The authorised person accepts it and can act at once.",
        "eservice_url_fi": "https://www.suomi.fi/valtuudet",
        "eservice_url_sv": "https://www.suomi.fi/fullmakter",
        "eservice_url_en": "https://www.suomi.fi/e-authorizations",
        "service_code": "e-services",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "digital-support",
        "title_fi": "Digituki: apua laitteiden ja verkkopalvelujen käyttöön",
        "title_sv": "Digistöd: hjälp med enheter och e-tjänster",
        "title_en": "Digital support: help with devices and online services",
        "keywords_fi": "tietokone, älypuhelin, tabletti, asiakaskone, tulostus, skannaus, sähköposti, sovellus, "
                       "verkkoasiointi, opastus, neuvonta",
        "keywords_sv": "dator, smarttelefon, surfplatta, kunddator, utskrift, skanning, e-post, app, e-tjänster, "
                       "handledning, rådgivning",
        "keywords_en": "computer, smartphone, tablet, customer computer, printing, scanning, email, app, "
                       "online services, guidance, advice",
        "answer_fi": "Digituki neuvoo maksutta tietokoneen, puhelimen ja verkkopalvelujen käytössä, esimerkiksi "
                     "lomakkeen täyttämisessä tai sovelluksen asentamisessa. Palvelupisteessä on asiakaskoneita ja "
                     "tulostin omaan käyttöön. Ota oma laite mukaan; emme asioi puolestasi emmekä kysy "
                     "tunnuslukujasi.",
        "answer_sv": "Digistödet ger avgiftsfri handledning i att använda dator, telefon och e-tjänster, till "
                     "exempel att fylla i en blankett eller installera en app. På servicepunkten finns kunddatorer "
                     "och en skrivare för eget bruk. Ta med din egen enhet; vi sköter inte ärenden för dig och "
                     "frågar aldrig efter dina koder.",
        "answer_en": "Digital support gives free guidance in using a computer, phone and online services, such as "
                     "filling in a form or installing an app. The service point has customer computers and a "
                     "printer you can use. Bring your own device; we do not act for you and never ask for your codes.",
        "bring_fi": "oma puhelin, tabletti tai tietokone\nlaturi\ntunnukset, joita tarvitset (älä kerro niitä muille)",
        "bring_sv": "din egen telefon, surfplatta eller dator\nladdare\nde koder du behöver (berätta dem inte för "
                    "någon)",
        "bring_en": "your own phone, tablet or computer\na charger\nthe codes you need (do not tell them to anyone)",
        "steps_fi": "",
        "steps_sv": "",
        "steps_en": "",
        "eservice_url_fi": "",
        "eservice_url_sv": "",
        "eservice_url_en": "",
        "service_code": "e-services",
        "book": False,
        "topic_position": 0,
    },
    # --- Seniors, youth, work and livelihood ---
    {
        "key": "senior-services",
        "title_fi": "Ikäihmisten palvelut",
        "title_sv": "Tjänster för äldre",
        "title_en": "Services for older people",
        "keywords_fi": "vanhus, ikääntyneet, eläkeläinen, seniori, kotihoito, palveluasuminen, omaishoito, "
                       "omaishoidon tuki, ateriapalvelu, turvapuhelin, seniorineuvonta, hyvinvointialue",
        "keywords_sv": "äldre, seniorer, pensionär, hemvård, serviceboende, närståendevård, stöd för "
                       "närståendevård, måltidsservice, trygghetstelefon, seniorrådgivning, välfärdsområde",
        "keywords_en": "elderly, seniors, pensioner, home care, assisted living, sheltered housing, informal carer, "
                       "carer support, meal service, safety phone, senior advice, wellbeing services county",
        "answer_fi": "Ikäihmisten sosiaali- ja terveyspalvelut, kuten kotihoidon, palveluasumisen ja omaishoidon "
                     "tuen, järjestää hyvinvointialue, ja palvelutarve arvioidaan seniorineuvonnan kautta. "
                     "Palvelupisteessä autamme löytämään oikean yhteyden. Varaa aika, jos asia vaatii pidemmän "
                     "keskustelun.",
        "answer_sv": "Social- och hälsovårdstjänster för äldre, som hemvård, serviceboende och stöd för "
                     "närståendevård, ordnas av välfärdsområdet, och servicebehovet bedöms via seniorrådgivningen. "
                     "På servicepunkten hjälper vi dig att hitta rätt kontakt. Boka tid om ärendet kräver ett "
                     "längre samtal.",
        "answer_en": "Social and health services for older people, such as home care, assisted living and carer "
                     "support, are provided by the wellbeing services county, and the need is assessed through "
                     "senior advice. At the service point we help you find the right contact. Book a time if the "
                     "matter needs a longer talk.",
        "bring_fi": "henkilöllisyystodistus\nlista lääkkeistä ja nykyisistä palveluista\nomaisen yhteystiedot",
        "bring_sv": "identitetsbevis\nen lista över mediciner och nuvarande tjänster\nen anhörigs kontaktuppgifter",
        "bring_en": "an ID\na list of medicines and current services\na relative's contact details",
        "steps_fi": "",
        "steps_sv": "",
        "steps_en": "",
        "eservice_url_fi": "",
        "eservice_url_sv": "",
        "eservice_url_en": "",
        "service_code": "advice",
        "book": True,
        "topic_position": 0,
    },
    {
        "key": "youth-services",
        "title_fi": "Nuorisopalvelut",
        "title_sv": "Ungdomstjänster",
        "title_en": "Youth services",
        "keywords_fi": "nuoret, nuorisotila, nuorisotyö, etsivä nuorisotyö, harrastukset, nuorten kerhot, "
                       "nuorisovaltuusto, leirit, nuorisotyöntekijä",
        "keywords_sv": "unga, ungdomar, ungdomslokal, ungdomsarbete, uppsökande ungdomsarbete, hobbyer, "
                       "ungdomsfullmäktige, läger, ungdomsarbetare",
        "keywords_en": "young people, youth, youth club, youth work, outreach youth work, hobbies, youth council, "
                       "camps, youth worker",
        "answer_fi": "Nuorisotiloissa 10–17-vuotiaat voivat viettää aikaa, harrastaa ja tavata ohjaajia maksutta. "
                     "Etsivä nuorisotyö auttaa alle 29-vuotiaita, jotka tarvitsevat tukea koulun, työn tai arjen "
                     "kanssa. Aukioloajat, leirit ja kerhot löydät verkosta.",
        "answer_sv": "I ungdomslokalerna kan 10–17-åringar umgås, ha hobbyer och träffa ledare avgiftsfritt. Det "
                     "uppsökande ungdomsarbetet hjälper unga under 29 år som behöver stöd med skola, arbete eller "
                     "vardag. Öppettider, läger och klubbar finns på nätet.",
        "answer_en": "At youth clubs, young people aged 10–17 can spend time, do hobbies and meet youth workers for "
                     "free. Outreach youth work helps those under 29 who need support with school, work or everyday "
                     "life. Opening hours, camps and clubs are online.",
        "bring_fi": "",
        "bring_sv": "",
        "bring_en": "",
        "steps_fi": "Avaa nuorisopalvelujen sivu.\n"
                    "Katso lähimmän nuorisotilan aukioloajat.\n"
                    "Ilmoittaudu leireille ja kerhoihin verkossa.",
        "steps_sv": "Öppna ungdomstjänsternas sida.\n"
                    "Se öppettiderna för närmaste ungdomslokal.\n"
                    "Anmäl dig till läger och klubbar på nätet.",
        "steps_en": "Open the youth services page.\n"
                    "See the opening hours of the nearest youth club.\n"
                    "Sign up for camps and clubs online.",
        "eservice_url_fi": f"{CITY}/nuoret",
        "eservice_url_sv": f"{CITY}/nuoret",
        "eservice_url_en": f"{CITY}/nuoret",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "summer-job-voucher",
        "title_fi": "Kesätyöseteli",
        "title_sv": "Sommarjobbssedel",
        "title_en": "Summer job voucher",
        "keywords_fi": "kesätyö, kesätyöpaikka, kesäseteli, nuoren palkka, 15-vuotias, 16-vuotias, 17-vuotias",
        "keywords_sv": "sommarjobb, sommarjobbsplats, sommarsedel, ungas lön, 15-åring, 16-åring, 17-åring",
        "keywords_en": "summer job, summer work, teen job, youth employment, employer subsidy, 15-year-old, "
                       "16-year-old, 17-year-old",
        "answer_fi": "Kaupunki antaa 15–17-vuotiaille kaupunkilaisille kesätyösetelin, jonka nuori vie "
                     "kesätyönantajalle. Setelillä työnantaja saa tukea nuoren palkkaan. Seteli haetaan keväällä "
                     "verkossa, ja niitä on rajallinen määrä.",
        "answer_sv": "Staden ger unga invånare i åldern 15–17 år en sommarjobbssedel som den unga tar med till sin "
                     "sommararbetsgivare. Med sedeln får arbetsgivaren stöd för den ungas lön. Sedeln söks på våren "
                     "på nätet, och antalet är begränsat.",
        "answer_en": "The city gives young residents aged 15–17 a summer job voucher to take to their summer "
                     "employer. With the voucher the employer gets support for the young person's wages. Vouchers "
                     "are applied for online in spring, and their number is limited.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne (tai huoltajan tunnukset)",
        "bring_sv": "bankkoder eller mobilcertifikat (eller vårdnadshavarens)",
        "bring_en": "online banking codes or a mobile certificate (or a guardian's)",
        "steps_fi": "Avaa kesätyösetelin hakupalvelu keväällä.\n"
                    "Täytä hakemus ja lähetä se.\n"
                    "Saat setelin sähköpostiin.\n"
                    "Näytä seteli kesätyönantajalle.",
        "steps_sv": "Öppna ansökningstjänsten för sommarjobbssedlar på våren.\n"
                    "Fyll i ansökan och skicka den.\n"
                    "Du får sedeln per e-post.\n"
                    "Visa sedeln för din sommararbetsgivare.",
        "steps_en": "Open the summer job voucher service in spring.\n"
                    "Fill in the application and send it.\n"
                    "You get the voucher by email.\n"
                    "Show it to your summer employer.",
        "eservice_url_fi": f"{CITY}/kesatyoseteli",
        "eservice_url_sv": f"{CITY}/kesatyoseteli",
        "eservice_url_en": f"{CITY}/kesatyoseteli",
        "service_code": None,
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "employment-services",
        "title_fi": "Työllisyyspalvelut ja työnhaku",
        "title_sv": "Sysselsättningstjänster och arbetssökande",
        "title_en": "Employment services and job seeking",
        "keywords_fi": "työnhaku, työtön, työttömyys, ilmoittautuminen työnhakijaksi, TE-palvelut, TE-toimisto, "
                       "työkkäri, työllisyysalue, Työmarkkinatori, työttömyysturva, koulutus",
        "keywords_sv": "arbetssökande, arbetslös, arbetslöshet, anmälan som arbetssökande, TE-tjänster, TE-byrån, "
                       "sysselsättningsområde, Jobbmarknad, arbetslöshetsförmån, utbildning",
        "keywords_en": "job seeking, jobseeker, unemployed, unemployment, TE services, TE Office, employment area, "
                       "Job Market Finland, unemployment benefit, training",
        "answer_fi": "Kun jäät työttömäksi, ilmoittaudu työnhakijaksi Työmarkkinatorilla viimeistään ensimmäisenä "
                     "työttömyyspäivänä. Työllisyyspalvelut järjestää nyt kunta tai työllisyysalue, ei enää "
                     "TE-toimisto. Työttömyysturvaa haetaan erikseen Kelasta tai omasta työttömyyskassasta.",
        "answer_sv": "När du blir arbetslös, anmäl dig som arbetssökande i Jobbmarknad senast den första "
                     "arbetslöshetsdagen. Sysselsättningstjänsterna ordnas nu av kommunen eller "
                     "sysselsättningsområdet, inte längre av TE-byrån. Arbetslöshetsförmån söks separat hos FPA "
                     "eller din arbetslöshetskassa.",
        "answer_en": "When you become unemployed, register as a jobseeker in Job Market Finland no later than your "
                     "first day of unemployment. Employment services are now provided by the municipality or "
                     "employment area, no longer by the TE Office. Unemployment benefit is applied for separately "
                     "from Kela or your unemployment fund.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne\ntiedot viimeisestä työsuhteesta\ntutkintotodistukset",
        "bring_sv": "bankkoder eller mobilcertifikat\nuppgifter om den senaste anställningen\nexamensbetyg",
        "bring_en": "online banking codes or a mobile certificate\ndetails of your last job\nyour certificates",
        "steps_fi": "Avaa Työmarkkinatori.\n"
                    "Kirjaudu ja valitse ilmoittautuminen työnhakijaksi.\n"
                    "Täytä tiedot työhistoriasta ja osaamisesta.\n"
                    "Hae työttömyysturvaa Kelasta tai kassasta.",
        "steps_sv": "Öppna Jobbmarknad.\n"
                    "Logga in och välj anmälan som arbetssökande.\n"
                    "Fyll i din arbetshistoria och kompetens.\n"
                    "Ansök om arbetslöshetsförmån hos FPA eller kassan.",
        "steps_en": "Open Job Market Finland.\n"
                    "Log in and choose to register as a jobseeker.\n"
                    "Fill in your work history and skills.\n"
                    "Apply for unemployment benefit from Kela or your fund.",
        "eservice_url_fi": "https://tyomarkkinatori.fi/",
        "eservice_url_sv": "https://tyomarkkinatori.fi/sv",
        "eservice_url_en": "https://tyomarkkinatori.fi/en",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "income-support",
        "title_fi": "Toimeentulotuki",
        "title_sv": "Utkomststöd",
        "title_en": "Social assistance",
        "keywords_fi": "perustoimeentulotuki, täydentävä toimeentulotuki, ehkäisevä toimeentulotuki, sossu, "
                       "sosiaalitoimisto, ruoka-apu, Kela, maksusitoumus, rahapula",
        "keywords_sv": "grundläggande utkomststöd, kompletterande utkomststöd, förebyggande utkomststöd, socialbyrån, "
                       "matbistånd, FPA, betalningsförbindelse, ont om pengar",
        "keywords_en": "basic social assistance, income support, welfare, social office, food aid, Kela, "
                       "payment commitment, short of money",
        "answer_fi": "Perustoimeentulotukea haetaan Kelasta, kun tulot ja varat eivät riitä välttämättömiin menoihin, "
                     "kuten ruokaan, asumiseen ja lääkkeisiin. Täydentävää ja ehkäisevää toimeentulotukea myöntää "
                     "hyvinvointialueen sosiaalityö. Hae tukea OmaKelassa; kiireellisessä hädässä ota heti yhteys "
                     "sosiaalipäivystykseen.",
        "answer_sv": "Grundläggande utkomststöd söks hos FPA när inkomsterna och tillgångarna inte räcker till "
                     "nödvändiga utgifter, som mat, boende och läkemedel. Kompletterande och förebyggande "
                     "utkomststöd beviljas av välfärdsområdets socialarbete. Ansök i MittFPA; vid akut nöd, kontakta "
                     "genast socialjouren.",
        "answer_en": "Basic social assistance is applied for from Kela when your income and assets do not cover "
                     "essential costs such as food, housing and medicines. Supplementary and preventive assistance "
                     "are granted by the wellbeing services county's social work. Apply in OmaKela; in an "
                     "emergency, contact the social services emergency line at once.",
        "bring_fi": "tiliotteet kahdelta viimeiseltä kuukaudelta\nvuokrasopimus\ntiedot tuloista ja menoista",
        "bring_sv": "kontoutdrag för de två senaste månaderna\nhyresavtal\nuppgifter om inkomster och utgifter",
        "bring_en": "bank statements for the last two months\nyour lease\nyour income and expenses",
        "steps_fi": "Avaa Kelan toimeentulotuen sivu ja kirjaudu OmaKelaan.\n"
                    "Täytä hakemus koko perheen tiedoilla.\n"
                    "Liitä tiliotteet ja laskut.\n"
                    "Seuraa hakemuksen käsittelyä OmaKelassa.",
        "steps_sv": "Öppna FPA:s sida om utkomststöd och logga in i MittFPA.\n"
                    "Fyll i ansökan med hela familjens uppgifter.\n"
                    "Bifoga kontoutdrag och räkningar.\n"
                    "Följ behandlingen i MittFPA.",
        "steps_en": "Open Kela's social assistance page and log in to OmaKela.\n"
                    "Fill in the application for the whole family.\n"
                    "Attach bank statements and bills.\n"
                    "Follow the application in OmaKela.",
        "eservice_url_fi": "https://www.kela.fi/toimeentulotuki",
        "eservice_url_sv": "https://www.kela.fi/toimeentulotuki",
        "eservice_url_en": "https://www.kela.fi/toimeentulotuki",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "registration-in-finland",
        "title_fi": "Rekisteröityminen Suomeen muutettaessa",
        "title_sv": "Registrering vid flytt till Finland",
        "title_en": "Registering when you move to Finland",
        "keywords_fi": "ulkomaalainen, maahanmuutto, henkilötunnus, kotikunta, rekisteröinti, DVV, oleskelulupa, "
                       "Migri, maahanmuuttaja",
        "keywords_sv": "utlänning, invandring, personbeteckning, hemkommun, registrering, MDB, uppehållstillstånd, "
                       "Migri, invandrare",
        "keywords_en": "foreigner, immigration, personal identity code, municipality of residence, registration, "
                       "DVV, residence permit, Migri, newcomer",
        "answer_fi": "Kun muutat Suomeen, rekisteröidy Digi- ja väestötietovirastossa (DVV): saat henkilötunnuksen ja "
                     "edellytysten täyttyessä kotikunnan. Täytä ensin DVV:n verkkolomake ja varaa aika käynnille. "
                     "Kotikunta antaa oikeuden kaupungin palveluihin, kuten varhaiskasvatukseen.",
        "answer_sv": "När du flyttar till Finland, registrera dig hos Myndigheten för digitalisering och "
                     "befolkningsdata (MDB): du får en personbeteckning och, om villkoren uppfylls, en hemkommun. "
                     "Fyll först i MDB:s webbformulär och boka tid för ett besök. Hemkommunen ger rätt till stadens "
                     "tjänster, som småbarnspedagogik.",
        "answer_en": "When you move to Finland, register with the Digital and Population Data Services Agency (DVV): "
                     "you get a personal identity code and, if the conditions are met, a municipality of residence. "
                     "First fill in DVV's online form and book a visit. A municipality of residence gives you the "
                     "right to city services such as daycare.",
        "bring_fi": "passi tai henkilökortti\noleskelulupa tai EU-rekisteröintitodistus\n"
                    "työsopimus tai opiskelutodistus\nperhesuhteita koskevat todistukset",
        "bring_sv": "pass eller identitetskort\nuppehållstillstånd eller EU-registreringsintyg\n"
                    "arbetsavtal eller studieintyg\nintyg om familjeförhållanden",
        "bring_en": "a passport or ID card\na residence permit or EU registration certificate\n"
                    "an employment contract or study certificate\ncertificates of family relations",
        "steps_fi": "Avaa DVV:n ohje ulkomaalaisen rekisteröinnistä.\n"
                    "Täytä verkkolomake ja liitä kuvat asiakirjoista.\n"
                    "Varaa aika DVV:n palvelupisteeseen.\n"
                    "Vie alkuperäiset asiakirjat käynnille.",
        "steps_sv": "Öppna MDB:s anvisning om registrering av utlänningar.\n"
                    "Fyll i webbformuläret och bifoga bilder av dokumenten.\n"
                    "Boka tid till MDB:s servicepunkt.\n"
                    "Ta med originaldokumenten till besöket.",
        "steps_en": "Open DVV's guide to registering foreigners.\n"
                    "Fill in the online form and attach pictures of your documents.\n"
                    "Book a visit to a DVV service point.\n"
                    "Bring the original documents to the visit.",
        "eservice_url_fi": "https://dvv.fi/en/foreigner-registration",
        "eservice_url_sv": "https://dvv.fi/en/foreigner-registration",
        "eservice_url_en": "https://dvv.fi/en/foreigner-registration",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    # --- Leisure and the environment ---
    {
        "key": "allotment-garden",
        "title_fi": "Viljelypalstat",
        "title_sv": "Odlingslotter",
        "title_en": "Allotment gardens",
        "keywords_fi": "palsta, kaupunkiviljely, siirtolapuutarha, palstan vuokraus, viljely, puutarha",
        "keywords_sv": "odling, stadsodling, koloniträdgård, hyra odlingslott, trädgård",
        "keywords_en": "allotment, garden plot, vegetable plot, urban gardening, community garden, rent a plot",
        "answer_fi": "Kaupunki vuokraa viljelypalstoja kaupunkilaisille kausi kerrallaan. Vapaita palstoja voi hakea "
                     "verkossa ympäri vuoden, ja ne jaetaan hakujärjestyksessä. Palstan vuokra laskutetaan keväällä.",
        "answer_sv": "Staden hyr ut odlingslotter till invånarna för en säsong i taget. Lediga lotter kan sökas på "
                     "nätet året runt, och de delas ut i ansökningsordning. Hyran faktureras på våren.",
        "answer_en": "The city rents allotment plots to residents one season at a time. Free plots can be applied "
                     "for online all year and are given out in order of application. The rent is invoiced in spring.",
        "bring_fi": "verkkopankkitunnukset tai mobiilivarmenne",
        "bring_sv": "bankkoder eller mobilcertifikat",
        "bring_en": "online banking codes or a mobile certificate",
        "steps_fi": "Avaa viljelypalstojen hakupalvelu.\n"
                    "Katso vapaat palstat kartalta.\n"
                    "Täytä hakemus. Saat tiedon palstasta sähköpostiin.",
        "steps_sv": "Öppna ansökningstjänsten för odlingslotter.\n"
                    "Se de lediga lotterna på kartan.\n"
                    "Fyll i ansökan. Du får besked om lotten per e-post.",
        "steps_en": "Open the allotment application service.\n"
                    "See the free plots on the map.\n"
                    "Fill in the application. You hear about your plot by email.",
        "eservice_url_fi": f"{CITY}/palstat",
        "eservice_url_sv": f"{CITY}/palstat",
        "eservice_url_en": f"{CITY}/palstat",
        "service_code": "advice",
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "boat-place",
        "title_fi": "Venepaikat",
        "title_sv": "Båtplatser",
        "title_en": "Boat berths",
        "keywords_fi": "laituripaikka, vene, venesatama, talvisäilytys, venepaikan vuokra, kanootti, soutuvene, "
                       "moottorivene",
        "keywords_sv": "bryggplats, båt, småbåtshamn, vinterförvaring, kanot, roddbåt, motorbåt",
        "keywords_en": "berth, marina, jetty, boat, winter storage, canoe, rowing boat, motorboat",
        "answer_fi": "Kaupungin venesatamien paikkoja haetaan verkossa. Vapaat paikat jaetaan hakemusten perusteella, "
                     "ja nykyiset vuokralaiset voivat jatkaa sopimustaan. Vuokra laskutetaan keväällä ennen kauden "
                     "alkua.",
        "answer_sv": "Platser i stadens småbåtshamnar söks på nätet. Lediga platser delas ut utifrån ansökningarna, "
                     "och nuvarande hyresgäster kan förlänga sitt avtal. Hyran faktureras på våren före säsongen.",
        "answer_en": "Berths in the city's marinas are applied for online. Free berths are given out based on the "
                     "applications, and current tenants can renew their agreement. The rent is invoiced in spring "
                     "before the season.",
        "bring_fi": "veneen mitat (pituus ja leveys)\nveneen rekisterinumero, jos sellainen on",
        "bring_sv": "båtens mått (längd och bredd)\nbåtens registernummer om den har ett",
        "bring_en": "the boat's size (length and width)\nthe boat's registration number if it has one",
        "steps_fi": "Avaa venepaikkojen hakupalvelu.\n"
                    "Anna veneen mitat ja toivottu satama.\n"
                    "Lähetä hakemus ja odota paikkatarjousta.",
        "steps_sv": "Öppna ansökningstjänsten för båtplatser.\n"
                    "Ange båtens mått och önskad hamn.\n"
                    "Skicka ansökan och vänta på ett erbjudande.",
        "steps_en": "Open the boat berth application service.\n"
                    "Enter the boat's size and the marina you want.\n"
                    "Send the application and wait for an offer.",
        "eservice_url_fi": f"{CITY}/venepaikat",
        "eservice_url_sv": f"{CITY}/venepaikat",
        "eservice_url_en": f"{CITY}/venepaikat",
        "service_code": None,
        "book": False,
        "topic_position": 0,
    },
    {
        "key": "noise-notification",
        "title_fi": "Meluilmoitus",
        "title_sv": "Bulleranmälan",
        "title_en": "Noise notification",
        "keywords_fi": "melu, meluava työ, louhinta, paalutus, räjäytys, äänentoisto, ympäristönsuojelu, "
                       "melulupa, työmaa",
        "keywords_sv": "buller, bullrande arbete, sprängning, pålning, ljudåtergivning, miljöskydd, arbetsplats",
        "keywords_en": "noise, noisy work, blasting, piling, sound system, environmental protection, work site",
        "answer_fi": "Tilapäisestä melusta, kuten työmaan louhinnasta tai ulkotapahtuman äänentoistosta, tehdään "
                     "meluilmoitus kaupungin ympäristönsuojeluun viimeistään 30 päivää ennen. Ilmoitus tehdään "
                     "verkossa. Jos häiritsevä melu jatkuu, voit antaa siitä palautetta ympäristönsuojeluun.",
        "answer_sv": "För tillfälligt buller, som sprängning på en arbetsplats eller ljudåtergivning vid ett "
                     "utomhusevenemang, görs en bulleranmälan till stadens miljöskydd senast 30 dagar i förväg. "
                     "Anmälan görs på nätet. Om störande buller fortsätter kan du ge respons till miljöskyddet.",
        "answer_en": "For temporary noise, such as blasting at a work site or the sound system of an outdoor event, "
                     "make a noise notification to the city's environmental protection at least 30 days before. It "
                     "is made online. If disturbing noise goes on, you can give feedback to environmental "
                     "protection.",
        "bring_fi": "tiedot työstä, ajasta ja paikasta\nkartta alueesta\ntiedote, joka jaetaan naapureille",
        "bring_sv": "uppgifter om arbetet, tiden och platsen\nkarta över området\nett meddelande till grannarna",
        "bring_en": "details of the work, its time and place\na map of the area\na notice for the neighbours",
        "steps_fi": "Avaa ympäristönsuojelun verkkoasiointi.\n"
                    "Valitse meluilmoitus.\n"
                    "Kerro työn aika, paikka ja miten melua vähennetään.\n"
                    "Lähetä ilmoitus viimeistään 30 päivää ennen.",
        "steps_sv": "Öppna miljöskyddets e-tjänst.\n"
                    "Välj bulleranmälan.\n"
                    "Ange arbetets tid, plats och hur bullret minskas.\n"
                    "Skicka anmälan senast 30 dagar i förväg.",
        "steps_en": "Open environmental protection's e-service.\n"
                    "Choose noise notification.\n"
                    "Give the time and place of the work and how noise is reduced.\n"
                    "Send it at least 30 days in advance.",
        "eservice_url_fi": f"{CITY}/ymparisto",
        "eservice_url_sv": f"{CITY}/ymparisto",
        "eservice_url_en": f"{CITY}/ymparisto",
        "service_code": None,
        "book": False,
        "topic_position": 0,
    },
]
