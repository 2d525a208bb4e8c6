// The Kotlin check of AMER's bindings: opens a store in a temporary folder, runs the session
// flow, checks that refusals throw ApiException and change nothing, lists with a filter (blocking
// and as a suspend function), and registers a change listener that must be called and must stop
// after cancel(). Prints one line per check and "N passed, N failed"; exits non-zero on any
// failure. Built and run by bindings/tests/run.sh.

import java.nio.file.Files
import java.time.Duration
import java.time.Instant
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking
import uniffi.amer.*

const val ADMIN = "198503122010011003"
const val KASUBAG = "197901152005012001"
const val OFFICER = "199002202015031002"

class Recorder : ChangeListener {
    val events = CopyOnWriteArrayList<ChangeEvent>()
    override fun onChange(event: ChangeEvent) {
        events.add(event)
    }
}

fun check(condition: Boolean, what: String) {
    if (!condition) throw AssertionError(what)
}

inline fun <reified E : Throwable> refused(what: String, body: () -> Unit): E {
    try {
        body()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("$what: expected ${E::class.simpleName}, got $e")
    }
    throw AssertionError("$what: expected ${E::class.simpleName}, nothing was thrown")
}

fun newSession(subject: String) = NewSession(
    category = Category.KONSULTASI,
    visitor = VisitorInput(name = "Rina Wulandari", phone = "0812-3456-7890", role = VisitorRole.PENYEDIA),
    subject = subject,
)

fun openOffice(): AmerStore {
    val home = Files.createTempDirectory("amer-kotlin-")
    val store = AmerStore.open(home.toString())
    store.initOffice(InitOptions(officeName = "Bagian Pengadaan Barang/Jasa", deviceName = "PC Loket"))
    store.addStaff(NewStaff(nip = ADMIN, name = "Andi Admin", role = StaffRole.ADMIN))
    store.addStaff(NewStaff(nip = KASUBAG, name = "Sari Kasubag", role = StaffRole.KASUBAG), by = ADMIN)
    store.addStaff(NewStaff(nip = OFFICER, name = "Budi Petugas", role = StaffRole.PETUGAS), by = ADMIN)
    return store
}

fun main() {
    var passed = 0
    var failed = 0
    fun test(name: String, body: () -> Unit) {
        try {
            body()
            passed++
            println("ok   $name")
        } catch (e: Throwable) {
            failed++
            println("FAIL $name: $e")
            e.printStackTrace()
        }
    }

    test("session flow: register, assign, start, finish, rate") {
        openOffice().use { store ->
            val r = store.register(newSession("Tata cara sanggah"))
            check(r.ticket.startsWith("K-") && r.ticket.endsWith("-A-001"), "ticket ${r.ticket}")
            check(store.assign(r.ticket, OFFICER, by = KASUBAG).status == SessionStatus.ASSIGNED, "assigned")
            check(store.start(r.ticket, by = OFFICER).status == SessionStatus.IN_SERVICE, "in service")
            val finished = store.finish(r.ticket, notes = "Menjelaskan jadwal sanggah.", by = OFFICER)
            check(finished.status == SessionStatus.FINISHED && finished.notes.contains("jadwal"), "finished")
            val rated = store.rate(r.ticket, 5u, comment = "Sangat membantu", signed = true)
            check(rated.status == SessionStatus.RATED, "rated")
            check(rated.statusLabel.labelId == "Dinilai", "label ${rated.statusLabel}")
            check(rated.rating?.scoreLabel?.labelId == "Sangat Baik", "score label")
            check(rated.duration.state == TimingState.PLAUSIBLE, "duration ${rated.duration}")
            // SystemTime arrives as java.time.Instant.
            val at: Instant = rated.registered.at
            check(Duration.between(at, Instant.now()).abs() < Duration.ofMinutes(5), "arrival $at")
            val ops = store.history(r.ticket).map { it.op }
            check(ops == listOf("register", "assign", "start", "notes_append", "finish", "rate"), "history $ops")
        }
    }

    test("refusals throw ApiException and change nothing") {
        openOffice().use { store ->
            val r = store.register(newSession("Keluhan"))
            val before = Pair(store.session(r.ticket), store.history(r.ticket).size)
            val notFinished = refused<ApiException.IllegalStep>("rate before finish") { store.rate(r.ticket, 4u) }
            check(notFinished.step == "rate" && notFinished.reason.contains("not finished"), notFinished.message)
            val range = refused<ApiException.Invalid>("rating 6") { store.rate(r.ticket, 6u) }
            check(range.field == "rating" && range.reason.contains("1 to 5"), range.reason)
            refused<ApiException.NotAllowed>("officer assigns") { store.assign(r.ticket, OFFICER, by = OFFICER) }
            refused<ApiException.NotFound>("unknown ticket") { store.start("K-000000-A-999") }
            check(Pair(store.session(r.ticket), store.history(r.ticket).size) == before, "unchanged")
        }
    }

    test("lists with filters, blocking and suspending") {
        openOffice().use { store ->
            store.register(newSession("Jadwal tender"))
            val p = store.register(newSession("Keluhan loket").copy(category = Category.PENGADUAN))
            check(store.listSessions().size == 2, "all")
            val complaints = store.listSessions(SessionFilter(category = Category.PENGADUAN))
            check(complaints.map { it.ticket } == listOf(p.ticket), "filtered $complaints")
            val found = runBlocking { store.listSessionsAsync(SessionFilter(text = "tender")) }
            check(found.map { it.subject } == listOf("Jadwal tender"), "async $found")
            check(codeList(CodeList.CATEGORY).map { it.code } == listOf("konsultasi", "pengaduan", "sanggahan"), "codes")
        }
    }

    test("listener is called and stops after cancel") {
        openOffice().use { store ->
            val rec = Recorder()
            val sub = store.subscribe(rec)
            val r = store.register(newSession("Dokumen pemilihan"))
            check(rec.events.map { it.kind } == listOf(ChangeKind.VISITOR_KEY, ChangeKind.SESSION), "events ${rec.events}")
            check(rec.events.last().id == r.id && rec.events.last().origin == ChangeOrigin.LOCAL, "event ${rec.events.last()}")
            sub.cancel()
            check(!sub.isActive(), "inactive after cancel")
            store.assign(r.ticket, OFFICER, by = KASUBAG)
            check(rec.events.size == 2, "no event after cancel: ${rec.events.size}")
            sub.close()
        }
    }

    test("risk register") {
        openOffice().use { store ->
            val risk = store.addRisk(
                NewRisk(title = "Persekongkolan tender", stage = Stage.PEMILIHAN, event = "Pengaturan harga",
                    likelihood = 4u, impact = 4u, category = RiskCategory.FRAUD),
                by = KASUBAG,
            )
            check(risk.inherent?.cell?.score == 19.toUByte() && risk.inherent?.cell?.level == RiskLevel.TINGGI, "cell")
            store.respondRisk(risk.code, RiskResponse.KURANGI, by = KASUBAG)
            val rows = store.listRisks()
            check(rows.single().status == RiskStatus.TREATED, "status ${rows.single().status}")
        }
    }

    println("$passed passed, $failed failed")
    if (failed > 0) exitProcess(1)
}
